function render(d){
  const c=d.campaign,t=d.totals;
  document.getElementById('title').textContent=c.name;
  document.getElementById('sub').textContent=c.product+' · '+c.discount+' · '+c.status+' · '+t.name;
  const box=document.getElementById('tiles');box.replaceChildren();
  tile(box,'claims','claims',t.claims);tile(box,'redemptions','redemptions',t.redemptions);
  tile(box,'orders','Amazon orders',t.orders);tile(box,'conversion','conversion',pct(t.conversion));
  tile(box,'remaining','remaining'+(t.quota!=null?' of quota '+t.quota:''),t.remaining);
  if(t.sales.length)tile(box,'sales','sales ('+t.units+' units)',sales(t.sales));
  // A young campaign is charted per hour; Amazon orders carry a date only, so they stay daily.
  const hourly=d.granularity==='hour',rows=hourly?d.hours:d.days;
  const labels=rows.map(x=>hourly?x.hour.slice(5).replace('T',' ')+':00 UTC':x.day);
  const sold=x=>x.redemptions+(hourly?0:x.orders);
  document.getElementById('h-claims').textContent=hourly?'claims per hour':'claims per day';
  document.getElementById('h-redemptions').textContent=hourly?'redemptions per hour (Amazon orders are dated by day: see the tiles)':'redemptions and Amazon orders per day';
  document.body.dataset.granularity=hourly?'hour':'day';
  bars(document.getElementById('chart-claims'),labels,rows.map(x=>x.claims));
  bars(document.getElementById('chart-redemptions'),labels,rows.map(sold),'red');
  let c1=0,s1=0;const conv=rows.map(x=>{c1+=x.claims;s1+=sold(x);return c1?s1/c1:0;});
  line(document.getElementById('chart-conversion'),labels,conv);
}
