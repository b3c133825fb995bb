function render(d){
  const root=document.getElementById('campaigns');root.replaceChildren();
  d.campaigns.forEach(o=>{
    const s=h('section');s.dataset.campaign=o.campaign.id;
    s.appendChild(h('h2',o.campaign.name+' ('+o.campaign.id+') · '+o.campaign.status));
    const box=h('div',undefined,'tiles');s.appendChild(box);
    tile(box,'stock-'+o.campaign.id,'stock left now',o.available_now);
    tile(box,'later-'+o.campaign.id,'released later',o.available_later);
    tile(box,'claims-'+o.campaign.id,'claims',o.claims);
    tile(box,'sales-'+o.campaign.id,'redemptions + orders',o.redemptions+o.orders);
    const tb=h('table');const hr=h('tr');['influencer','quota','claims','redemptions','Amazon orders','conversion','remaining','Amazon promotion','units','sales'].forEach(x=>hr.appendChild(h('th',x)));tb.appendChild(hr);
    o.influencers.forEach(i=>{const tr=h('tr');tr.dataset.influencer=i.influencer;
      [i.name&&i.name!==i.influencer?i.name+' ('+i.influencer+')':i.influencer,i.quota==null?'-':i.quota,i.claims,i.redemptions,i.orders,pct(i.conversion),i.remaining,(i.promotion||'-')+(i.own_codes?' (own codes)':''),i.units,sales(i.sales)].forEach(x=>tr.appendChild(h('td',x)));tb.appendChild(tr);});
    s.appendChild(tb);s.appendChild(h('h2','claims per hour, last 48 hours'));
    const svg=document.createElementNS(NS,'svg');svg.id='hours-'+o.campaign.id;s.appendChild(svg);
    bars(svg,o.hours.map(x=>x[0]+':00'),o.hours.map(x=>x[1]));root.appendChild(s);
  });
}
