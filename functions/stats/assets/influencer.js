function render(d){
  const c=d.campaign,t=d.totals;
  document.getElementById('title').textContent=c.name;
  document.getElementById('sub').textContent=c.product+' · '+c.discount+' · '+c.status+' · '+t.influencer;
  const box=document.getElementById('tiles');box.replaceChildren();
  tile(box,'claims','claims',t.claims);tile(box,'redemptions','redemptions',t.redemptions);
  tile(box,'orders','Amazon orders',t.orders);tile(box,'conversion','conversion',pct(t.conversion));
  tile(box,'remaining','remaining'+(t.quota!=null?' of quota '+t.quota:''),t.remaining);
  if(t.sales.length)tile(box,'sales','sales ('+t.units+' units)',sales(t.sales));
  const days=d.days.map(x=>x.day);
  bars(document.getElementById('chart-claims'),days,d.days.map(x=>x.claims));
  bars(document.getElementById('chart-redemptions'),days,d.days.map(x=>x.redemptions+x.orders),'red');
  let c1=0,s1=0;const conv=d.days.map(x=>{c1+=x.claims;s1+=x.redemptions+x.orders;return c1?s1/c1:0;});
  line(document.getElementById('chart-conversion'),days,conv);
}
