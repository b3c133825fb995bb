//! The dashboards' HTML: one self-contained page each (inline CSS and JS, charts drawn as SVG
//! in the browser from the JSON endpoint next to the page). Nothing is loaded from anywhere else,
//! and the Content-Security-Policy forbids it.

/// The Content-Security-Policy of every page: only this page's inline style and script, and
/// `fetch` to its own origin.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                       connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
                       frame-ancestors 'none'";

const STYLE: &str = r#"
body{font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.8}main{padding:18px 24px;max-width:1100px}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:18px}
.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;box-shadow:0 1px 2px #0002}
.tile b{display:block;font-size:26px}.tile span{color:#5a6275;font-size:13px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin-bottom:18px;box-shadow:0 1px 2px #0002}
h2{font-size:16px;margin:0 0 8px}svg{width:100%;height:180px;display:block}
.bar{fill:#3b6fe0}.bar.red{fill:#1b9e5a}.bar.ord{fill:#e08a1b}.line{fill:none;stroke:#b03be0;stroke-width:2}
.axis{fill:#5a6275;font-size:10px}table{border-collapse:collapse;width:100%}
td,th{padding:6px 8px;border-bottom:1px solid #e3e6ec;text-align:right}td:first-child,th:first-child{text-align:left}
.err{color:#b00020}footer{color:#5a6275;font-size:12px;padding:0 24px 24px}
"#;

const SCRIPT: &str = r#"
const NS='http://www.w3.org/2000/svg';
function el(tag,attrs,text){const e=document.createElementNS(NS,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function h(tag,text,cls){const e=document.createElement(tag);if(text!==undefined)e.textContent=String(text);if(cls)e.className=cls;return e;}
function bars(svg,labels,values,cls){
  svg.replaceChildren();const W=600,H=170,max=Math.max(1,...values),n=Math.max(1,values.length),bw=W/n;
  svg.setAttribute('viewBox','0 0 '+W+' '+(H+12));
  values.forEach((v,i)=>{const bh=Math.round((H-14)*v/max);
    const r=el('rect',{class:'bar '+(cls||''),x:(i*bw+1).toFixed(1),y:H-bh,width:Math.max(1,bw-2).toFixed(1),height:bh,'data-label':labels[i],'data-value':v});
    r.appendChild(el('title',{},labels[i]+': '+v));svg.appendChild(r);});
  svg.appendChild(el('text',{class:'axis',x:0,y:H+11},labels[0]||''));
  svg.appendChild(el('text',{class:'axis',x:W,y:H+11,'text-anchor':'end'},labels[labels.length-1]||''));
  svg.appendChild(el('text',{class:'axis',x:2,y:10},'max '+max));
}
function line(svg,labels,values){
  svg.replaceChildren();const W=600,H=170,n=Math.max(2,values.length);
  svg.setAttribute('viewBox','0 0 '+W+' '+(H+12));
  const pts=values.map((v,i)=>(i*W/(n-1)).toFixed(1)+','+(H-4-(H-18)*Math.min(1,v)).toFixed(1));
  svg.appendChild(el('polyline',{class:'line',points:pts.join(' '),'data-values':values.map(v=>v.toFixed(4)).join(' ')}));
  svg.appendChild(el('text',{class:'axis',x:2,y:10},'100%'));
  svg.appendChild(el('text',{class:'axis',x:0,y:H+11},labels[0]||''));
}
function tile(box,id,label,value){const t=h('div',undefined,'tile');const b=h('b',value);b.id=id;b.dataset.value=value;t.append(b,h('span',label));box.appendChild(t);}
function pct(x){return (100*x).toFixed(1)+'%';}
async function load(){
  const status=document.getElementById('status');
  try{
    const r=await fetch(location.pathname.replace(/\/$/,'')+'/stats.json',{cache:'no-store'});
    if(!r.ok){const e=await r.json().catch(()=>({}));throw new Error((e.error&&e.error.message)||('HTTP '+r.status));}
    render(await r.json());status.textContent='updated '+new Date().toLocaleTimeString();
    document.body.dataset.ready='1';
  }catch(e){status.textContent=String(e.message||e);status.className='err';document.body.dataset.ready='error';}
}
load();setInterval(load,60000);
"#;

const INFLUENCER_RENDER: &str = r#"
function render(d){
  const c=d.campaign,t=d.totals;
  document.getElementById('title').textContent=c.name;
  document.getElementById('sub').textContent=c.product+' · '+c.discount+' · '+c.status+' · '+t.influencer;
  const box=document.getElementById('tiles');box.replaceChildren();
  tile(box,'claims','claims',t.claims);tile(box,'redemptions','redemptions',t.redemptions);
  tile(box,'orders','Amazon orders',t.orders);tile(box,'conversion','conversion',pct(t.conversion));
  tile(box,'remaining','remaining'+(t.quota!=null?' of quota '+t.quota:''),t.remaining);
  const days=d.days.map(x=>x.day);
  bars(document.getElementById('chart-claims'),days,d.days.map(x=>x.claims));
  bars(document.getElementById('chart-redemptions'),days,d.days.map(x=>x.redemptions+x.orders),'red');
  let c1=0,s1=0;const conv=d.days.map(x=>{c1+=x.claims;s1+=x.redemptions+x.orders;return c1?s1/c1:0;});
  line(document.getElementById('chart-conversion'),days,conv);
}
"#;

const SELLER_RENDER: &str = r#"
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
    const tb=h('table');const hr=h('tr');['influencer','quota','claims','redemptions','Amazon orders','conversion','remaining'].forEach(x=>hr.appendChild(h('th',x)));tb.appendChild(hr);
    o.influencers.forEach(i=>{const tr=h('tr');tr.dataset.influencer=i.influencer;
      [i.influencer,i.quota==null?'-':i.quota,i.claims,i.redemptions,i.orders,pct(i.conversion),i.remaining].forEach(x=>tr.appendChild(h('td',x)));tb.appendChild(tr);});
    s.appendChild(tb);s.appendChild(h('h2','claims per hour, last 48 hours'));
    const svg=document.createElementNS(NS,'svg');svg.id='hours-'+o.campaign.id;s.appendChild(svg);
    bars(svg,o.hours.map(x=>x[0]+':00'),o.hours.map(x=>x[1]));root.appendChild(s);
  });
}
"#;

fn page(title: &str, body: &str, render: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>{STYLE}</style></head><body>{body}\
         <footer id=\"status\">loading…</footer><script>{render}{SCRIPT}</script></body></html>"
    )
}

/// The influencer's dashboard. The data comes from `./stats.json`; nothing about the
/// influencer is baked into the page.
pub fn influencer_page() -> String {
    page(
        "Your promo stats",
        "<header><h1 id=\"title\">Your promo stats</h1><p id=\"sub\"></p></header><main>\
         <div class=\"tiles\" id=\"tiles\"></div>\
         <section><h2>claims per day</h2><svg id=\"chart-claims\"></svg></section>\
         <section><h2>redemptions and Amazon orders per day</h2><svg id=\"chart-redemptions\"></svg></section>\
         <section><h2>conversion (running)</h2><svg id=\"chart-conversion\"></svg></section></main>",
        INFLUENCER_RENDER,
    )
}

/// The seller's overview: every campaign and influencer side by side.
pub fn seller_page() -> String {
    page(
        "Promo overview",
        "<header><h1>Promo overview</h1><p>every campaign, every influencer</p></header>\
         <main id=\"campaigns\"></main>",
        SELLER_RENDER,
    )
}
