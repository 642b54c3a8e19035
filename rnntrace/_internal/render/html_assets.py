"""The stylesheet and the script of the HTML page, written into it (the page works offline)."""

CSS = """
.rt{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;max-width:62rem;
margin:0 auto;padding:0 1rem 4rem}
.rt h1{font-size:1.6rem;margin:1rem 0 .3rem}
.rt h2{font-size:1.3rem;border-bottom:1px solid #ccd;margin-top:2rem}
.rt h3{font-size:1.1rem;margin:1.2rem 0 .4rem}.rt h4{font-size:1rem;margin:1rem 0 .3rem}
.rt nav.rt-toc{font-size:.9rem;border:1px solid #dde;padding:.4rem .8rem;margin:1rem 0;
max-height:16rem;overflow:auto}
.rt nav.rt-toc ol{margin:0;padding-left:1.2rem}.rt .rt-l1{margin-left:1rem}
.rt .rt-l2{margin-left:2rem}
.rt details.rt-step{border-left:3px solid #dde;margin:.35rem 0;padding:.1rem .6rem}
.rt details.rt-step>summary{cursor:pointer}
.rt .rt-label{color:#555;font-size:.9rem;margin-left:.6rem}
.rt .rt-formula,.rt .rt-work,.rt .rt-value{margin:.2rem 0 .2rem 1rem}
.rt .rt-work{color:#333;font-size:.95rem}
.rt .n{font-variant-numeric:tabular-nums;cursor:pointer;border-radius:3px;padding:0 1px}
.rt .n:hover{background:#eef}
.rt .rt-m{display:inline-grid;vertical-align:middle;border-left:2px solid #444;
border-right:2px solid #444;padding:0 .3rem;column-gap:.8rem;text-align:right;
background:linear-gradient(#444,#444) left top/.3rem 2px no-repeat,
linear-gradient(#444,#444) left bottom/.3rem 2px no-repeat,
linear-gradient(#444,#444) right top/.3rem 2px no-repeat,
linear-gradient(#444,#444) right bottom/.3rem 2px no-repeat}
.rt .rt-focus{border-left-color:#1f5fbf;background:#eaf1ff}
.rt .rt-operand{border-left-color:#b36b00;background:#fff3df}
.rt .rt-source{border-left-color:#6a8f2b;background:#f2f8e6}
.rt .rt-picked{outline:2px solid #1f5fbf}
.rt .rt-current{box-shadow:0 0 0 2px #1f5fbf}
.rt #rt-controls{position:sticky;top:0;background:#fff;border-bottom:1px solid #dde;
padding:.3rem 0;z-index:2;font-size:.9rem}
.rt #rt-panel{position:fixed;right:1rem;bottom:1rem;max-width:28rem;background:#fff;
border:1px solid #1f5fbf;padding:.5rem .8rem;box-shadow:0 2px 8px #0003;z-index:3}
.rt .rt-note{color:#555;font-size:.9rem}
.rt .rt-blank{display:inline-block;min-width:4.5rem;border-bottom:1px solid #333;
margin:0 .2rem}
@media print{.rt nav.rt-toc,.rt #rt-controls,.rt #rt-panel{display:none}
.rt{max-width:none;font-size:11pt}.rt details.rt-step{break-inside:avoid;border:0}
.rt .rt-focus,.rt .rt-operand,.rt .rt-source{background:none}}
"""

JS = """
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("rt-data").textContent);
  var controls = document.getElementById("rt-controls");
  var toggle = document.getElementById("rt-chain");
  var panel = document.getElementById("rt-panel");
  var chain = D.chain, marked = [], current = -1;
  controls.hidden = false;
  if (!D.x || !D.r) { toggle.hidden = true; }
  function label() {
    toggle.textContent = chain === "x" ? "Show the hand-rounded chain" : "Show exact values";
    document.body.setAttribute("data-chain", chain);
  }
  function show(which, root) {
    var table = D[which], spans = (root || document).querySelectorAll(".n");
    for (var i = 0; i < spans.length; i++) {
      var s = spans[i], values = table[s.getAttribute("data-k")];
      if (values) { s.textContent = values[+s.getAttribute("data-i")]; }
    }
  }
  var pending = {};
  function inflate(packed) {
    var text = atob(packed), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text();
  }
  function render(b) {
    if (pending[b]) { return pending[b]; }
    var holder = document.getElementById("b" + b), packed = document.getElementById("t" + b);
    if (!holder || !packed) { return Promise.resolve(); }
    pending[b] = inflate(packed.textContent).then(function (html) {
      holder.innerHTML = html;
      holder.style.minHeight = "";
      packed.parentNode.removeChild(packed);
      if (chain !== D.chain) { show(chain, holder); }
    });
    return pending[b];
  }
  function need(k) { return D.b[k] !== undefined ? render(D.b[k]) : Promise.resolve(); }
  if ("IntersectionObserver" in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { seen.unobserve(e.target); render(e.target.id.slice(1)); }
      });
    }, {rootMargin: "1500px 0px"});
    document.querySelectorAll(".rt-lazy").forEach(function (el) { seen.observe(el); });
  }
  toggle.addEventListener("click", function () {
    chain = chain === "x" ? "r" : "x";
    show(chain);
    label();
  });
  function mark(k, cls) {
    var el = document.getElementById("s" + k);
    if (el) { el.classList.add(cls); el.open = true; marked.push([el, cls]); }
    return el;
  }
  function clear() {
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
    panel.hidden = true;
  }
  function focus(k, picked) {
    var wanted = [k].concat(D.o[k] || [], D.s[k] || []);
    Promise.all(wanted.map(need)).then(function () { highlight(k, picked); });
  }
  function highlight(k, picked) {
    clear();
    (D.o[k] || []).forEach(function (o) { mark(o, "rt-operand"); });
    (D.s[k] || []).forEach(function (o) { mark(o, "rt-source"); });
    var el = mark(k, "rt-focus");
    if (picked) { picked.classList.add("rt-picked"); marked.push([picked, "rt-picked"]); }
    panel.innerHTML = "";
    var formula = el && el.querySelector(".rt-formula");
    var head = document.createElement("div");
    head.textContent = D.k[k] + (el ? "" : " (not shown on this page)");
    panel.appendChild(head);
    if (formula) { panel.appendChild(formula.cloneNode(true)); }
    var from = (D.s[k] || []).map(function (o) { return D.k[o]; });
    if (from.length) {
      var line = document.createElement("div");
      line.className = "rt-note";
      line.textContent = "from " + from.join(", ");
      panel.appendChild(line);
    }
    panel.hidden = false;
    if (el) { el.scrollIntoView({block: "center"}); }
  }
  document.addEventListener("click", function (event) {
    var n = event.target.closest && event.target.closest(".n");
    if (n) { focus(+n.getAttribute("data-k"), n); return; }
    var link = event.target.closest && event.target.closest("a[href^='#h']");
    var anchor = link && link.getAttribute("href").slice(1);
    if (link && D.a[anchor] !== undefined && !document.getElementById(anchor)) {
      event.preventDefault();
      render(D.a[anchor]).then(function () {
        document.getElementById(anchor).scrollIntoView();
        history.replaceState(null, "", "#" + anchor);
      });
    }
  });
  function go(delta) {
    if (!D.order.length) { return; }
    var old = current >= 0 && document.getElementById("s" + D.order[current]);
    if (old) { old.classList.remove("rt-current"); }
    current = Math.max(0, Math.min(D.order.length - 1, current + delta));
    var k = D.order[current];
    need(k).then(function () { at(document.getElementById("s" + k)); });
  }
  function at(el) {
    el.classList.add("rt-current");
    el.open = true;
    el.scrollIntoView({block: "center"});
    el.querySelector("summary").focus();
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "j" || event.key === "n") { go(1); }
    else if (event.key === "k" || event.key === "p") { go(-1); }
    else if (event.key === "Escape") { clear(); }
  });
  label();
})();
"""
