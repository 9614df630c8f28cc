/// The page at `/`: pick or drop a photo, it is posted to `/classify`, and the top classes are shown with
/// their scores and thumbnails of the indexed images behind them (`/image?id=…`). Plain HTML and a little
/// JavaScript, no build step. `/?try=URL` fetches that image (same origin) and submits it the same way,
/// which is how a headless browser can exercise the page without a file dialog.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cbr — classification by retrieval</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  #info { color: #666; margin-bottom: 1rem; }
  #drop { display: block; border: 2px dashed #999; border-radius: 8px; padding: 1.5rem; text-align: center; cursor: pointer; }
  #drop.over { border-color: #06c; background: #eef5ff; }
  #query { max-height: 12rem; max-width: 100%; margin: 1rem 0; display: none; border-radius: 4px; }
  #controls { margin: .8rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
  #controls input[type=text] { width: 16rem; }
  #controls input[type=number] { width: 4rem; }
  #status { margin: .5rem 0; color: #555; }
  #status.error { color: #b00; }
  ol#result { padding-left: 1.5rem; }
  ol#result li { margin: .6rem 0; }
  .name { font-weight: 600; }
  .score { color: #555; margin-left: .5rem; font-variant-numeric: tabular-nums; }
  .thumbs { display: flex; gap: .4rem; margin-top: .3rem; flex-wrap: wrap; }
  .thumbs figure { margin: 0; text-align: center; font-size: 11px; color: #666; }
  .thumbs img { height: 72px; border-radius: 3px; display: block; }
</style>
</head>
<body>
<h1>cbr — classification by retrieval</h1>
<div id="info">loading the index…</div>
<label id="drop">Drop a photo here, or click to pick one
  <input id="file" type="file" accept="image/jpeg,image/png" hidden>
</label>
<div id="controls">
  <label>top <input id="top" type="number" min="1" max="50" value="5"></label>
  <label>k <input id="k" type="number" min="1" max="1000" value="50"></label>
  <label>aggregate <select id="aggregate">
    <option>max</option><option>mean</option><option>sum</option><option>vote</option><option>power</option><option>prototype</option>
  </select></label>
  <label>only classes <input id="classes" type="text" placeholder="a,b,c (empty: all)"></label>
</div>
<img id="query" alt="query">
<div id="status"></div>
<ol id="result"></ol>
<script>
"use strict";
const $ = (id) => document.getElementById(id);

fetch("/index").then((r) => r.json()).then((index) => {
  const live = index.classes.filter((c) => !c.removed).length;
  $("info").textContent = `${index.liveRows} images in ${live} classes, generation ${index.generation}`;
}).catch(() => { $("info").textContent = "index information unavailable"; });

function show(answer) {
  const list = $("result");
  list.replaceChildren();
  for (const entry of answer.classes) {
    const item = document.createElement("li");
    item.className = "answer";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = entry.class;
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = typeof entry.score === "number" ? entry.score.toFixed(4) : entry.score;
    item.append(name, score);
    const thumbs = document.createElement("div");
    thumbs.className = "thumbs";
    for (const n of entry.neighbours) {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.src = "/image?id=" + encodeURIComponent(n.id);
      img.alt = n.id;
      img.title = `${n.id} (${n.score.toFixed(4)})`;
      const caption = document.createElement("figcaption");
      caption.textContent = n.score.toFixed(3);
      figure.append(img, caption);
      thumbs.append(figure);
    }
    item.append(thumbs);
    list.append(item);
  }
}

async function submit(blob) {
  $("query").src = URL.createObjectURL(blob);
  $("query").style.display = "block";
  $("status").className = "";
  $("status").textContent = "classifying…";
  document.body.dataset.state = "busy";
  const params = new URLSearchParams({ top: $("top").value, k: $("k").value, aggregate: $("aggregate").value });
  if ($("classes").value.trim()) params.set("classes", $("classes").value.trim());
  const form = new FormData();
  form.append("image", blob, blob.name || "photo");
  try {
    const response = await fetch("/classify?" + params, { method: "POST", body: form });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.statusText);
    show(answer);
    $("status").textContent = `answered from generation ${answer.generation} (k = ${answer.k}, ${answer.aggregate})`;
    document.body.dataset.state = "done";
  } catch (error) {
    $("result").replaceChildren();
    $("status").className = "error";
    $("status").textContent = "error: " + error.message;
    document.body.dataset.state = "error";
  }
}

$("file").addEventListener("change", () => { if ($("file").files[0]) submit($("file").files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) submit(e.dataTransfer.files[0]);
});

const trial = new URLSearchParams(location.search).get("try");
if (trial) {
  fetch(trial).then((r) => { if (!r.ok) throw new Error("cannot fetch " + trial); return r.blob(); })
    .then(submit)
    .catch((error) => { $("status").className = "error"; $("status").textContent = "error: " + error.message; });
}
</script>
</body>
</html>
"""#
}
