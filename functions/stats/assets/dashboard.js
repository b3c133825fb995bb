const NS='http://www.w3.org/2000/svg';
function el(tag,attrs,text){const e=document.createElementNS(NS,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function h(tag,text,cls){const e=document.createElement(tag);if(text!==undefined)e.textContent=String(text);if(cls)e.className=cls;return e;}
function bars(svg,labels,values,cls){
  svg.replaceChildren();const W=600,H=170,max=Math.max(1,...values),n=Math.max(1,values.length),bw=Math.min(W/n,W/12);
  svg.setAttribute('viewBox','0 0 '+W+' '+(H+12));
  values.forEach((v,i)=>{const bh=Math.round((H-14)*v/max);
    const r=el('rect',{class:'bar '+(cls||''),x:(i*bw+1).toFixed(1),y:H-bh,width:Math.max(1,bw-2).toFixed(1),height:bh,'data-label':labels[i],'data-value':v});
    r.appendChild(el('title',{},labels[i]+': '+v));svg.appendChild(r);});
  svg.appendChild(el('text',{class:'axis',x:0,y:H+11},labels[0]||''));
  if(n>1)svg.appendChild(el('text',{class:'axis',x:Math.max(n*bw,W/2).toFixed(1),y:H+11,'text-anchor':'end'},labels[labels.length-1]||''));
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
function sales(list){return list.length?list.map(s=>(s.currency?s.currency+" ":"")+s.revenue).join(", "):"-";}
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
