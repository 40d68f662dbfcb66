// vidrag's page: the library, a player with a scene timeline, search and ask. Plain JS, no build.
// Everything read out of videos (transcripts, on-screen text, names) is untrusted: it is only ever
// put on the page with textContent or as an attribute value, never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { videos: [], byPath: new Map(), video: null, scenes: [], cites: [], pendingSeek: null, stream: null };

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v);   // CSSOM: the CSP forbids style attributes
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function hms(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const p = (n) => String(n).padStart(2, "0");
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

async function api(path, options = {}) {
  const res = await fetch(path, options);
  let data = null;
  try { data = await res.json(); } catch (e) { /* not JSON: reported below */ }
  if (!res.ok) throw new Error((data && data.error) || `${res.status} ${res.statusText}`);
  return data;
}

// ---- library ---------------------------------------------------------------------------
async function loadVideos() {
  state.videos = await api("/api/videos");
  state.byPath = new Map(state.videos.map((v) => [v.path, v]));
  return state.videos;
}

function videoCard(v) {
  const thumb = v.thumb ? el("img", { src: v.thumb, alt: "", loading: "lazy" }) : el("div", { class: "nothumb" });
  const meta = el("div", { class: "meta" },
    el("div", { class: "name", text: v.name }),
    el("div", { class: "row muted" },
      el("span", { text: v.duration ? hms(v.duration) : "" }),
      el("span", { text: `${v.scene_count} scenes` }),
      el("span", { class: `badge status-${v.status}`, text: v.status })),
    v.error ? el("div", { class: "error", text: v.error }) : null);
  return el("li", { class: "card video", "data-id": v.id }, el("a", { href: `#/video/${v.id}` }, thumb, meta));
}

async function showLibrary() {
  $("video-view").hidden = true;
  $("library-view").hidden = false;
  $("scope").hidden = true;
  $("player").pause();
  const videos = await loadVideos();
  $("videos").replaceChildren(...videos.map(videoCard));
  $("library-empty").hidden = videos.length > 0;
  for (const job of await api("/api/index")) if (job.state === "running") followJob(job.job_id);
}

const followed = new Set();
function followJob(id) {
  if (followed.has(id)) return;
  followed.add(id);
  const bar = el("progress", { max: 1, value: 0 });
  const label = el("span", { text: "Indexing…" });
  const item = el("li", { class: "job", "data-job": id }, label, bar);
  $("jobs").append(item);
  const events = new EventSource(`/api/index/${encodeURIComponent(id)}/events`);
  const render = (job) => {
    const total = job.total || 1;
    bar.value = Math.min(1, (job.done + (job.fraction || 0)) / total);
    label.textContent = `Indexing ${Math.min(job.done + 1, total)}/${total}` +
      (job.current ? ` ${job.current}` : "") + (job.stage ? ` · ${job.stage} ${Math.round(100 * job.fraction)}%` : "");
  };
  events.addEventListener("progress", (e) => render(JSON.parse(e.data)));
  events.addEventListener("done", (e) => {
    events.close();
    const job = JSON.parse(e.data);
    const failed = (job.results || []).filter((r) => r.status === "failed");
    label.textContent = job.state === "failed" ? `Indexing failed: ${job.error}` :
      `Indexed ${job.done} file(s)` + (failed.length ? `; ${failed.length} failed: ${failed.map((r) => `${r.path}: ${r.message}`).join("; ")}` : "");
    bar.value = 1;
    if (!$("library-view").hidden) loadVideos().then((v) => $("videos").replaceChildren(...v.map(videoCard)));
  });
  events.onerror = () => { events.close(); label.textContent = "Lost the indexing progress; reload to see the library."; };
}

$("index-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const path = $("index-path").value.trim();
  $("index-error").hidden = true;
  if (!path) return;
  try {
    const job = await api("/api/index", { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify({ paths: [path] }) });
    $("index-path").value = "";
    followJob(job.job_id);
  } catch (err) {
    $("index-error").textContent = err.message;
    $("index-error").hidden = false;
  }
});

// ---- one video ---------------------------------------------------------------------------
async function showVideo(id, seekTo) {
  $("library-view").hidden = true;
  $("video-view").hidden = false;
  $("scope").hidden = false;
  if (seekTo !== null) {
    state.pendingSeek = seekTo;
    // One column (a phone): the answer sits above the player, so bring the player into view.
    if (window.matchMedia("(max-width: 900px)").matches) $("video-view").scrollIntoView({ block: "start" });
  }
  if (state.video && String(state.video.id) === String(id)) return applyPendingSeek();
  const v = await api(`/api/videos/${encodeURIComponent(id)}`);
  if (!state.videos.length) await loadVideos();
  state.video = v;
  state.scenes = v.scenes;
  $("video-title").textContent = v.name;
  $("unplayable").hidden = true;
  $("controls").classList.remove("unplayable");
  const player = $("player");
  player.hidden = false;
  player.src = v.media;
  showClock();
  $("timeline").replaceChildren(...v.scenes.map((s, i) => el("li", { "data-idx": i },
    el("button", { type: "button", title: `${hms(s.start)}–${hms(s.end)}`, onclick: () => seek(s.start) },
      s.thumb ? el("img", { src: s.thumb, alt: "", loading: "lazy" }) : null,
      el("span", { text: hms(s.start) })))));
  selectScene(v.scenes.length ? 0 : -1);
  drawMarkers();
}

function duration() {
  const d = $("player").duration;
  return Number.isFinite(d) && d > 0 ? d : (state.video && state.video.duration) || 0;
}

function seek(t) {
  state.pendingSeek = t;
  applyPendingSeek();
}

function applyPendingSeek() {
  const player = $("player");
  const t = state.pendingSeek;
  if (t === null || t === undefined) return;
  selectScene(sceneAt(t));
  if (player.readyState >= 1 && player.hidden === false) {   // HAVE_METADATA: seeking works now
    player.currentTime = Math.min(t, duration());
    state.pendingSeek = null;
  }
}

function sceneAt(t) {
  let found = -1;
  state.scenes.forEach((s, i) => { if (s.start <= t + 1e-3) found = i; });
  return found;
}

let shownScene = -2;
function selectScene(i) {
  if (i === shownScene) return;
  shownScene = i;
  const items = $("timeline").children;
  for (const li of items) li.classList.toggle("current", Number(li.dataset.idx) === i);
  if (items[i]) items[i].scrollIntoView({ block: "nearest", inline: "nearest" });
  const s = state.scenes[i];
  $("scene-title").textContent = s ? `Scene ${s.idx + 1} · ${hms(s.start)}–${hms(s.end)}` : "Scene";
  const rows = s ? [["Said", s.transcript], ["On screen", s.ocr_text], ["Objects", s.objects],
                    [s.caption_source === "vlm" ? "Caption" : "Description", s.caption]] : [];
  $("scene-texts").replaceChildren(...rows.filter(([, text]) => text).flatMap(([name, text]) =>
    [el("dt", { text: name }), el("dd", { text })]));
}

const player = $("player");
player.addEventListener("loadedmetadata", () => { drawMarkers(); applyPendingSeek(); });
function showClock() {
  const t = player.currentTime || 0;
  $("clock").textContent = `${hms(t)} / ${hms(duration())}`;
  $("seek-fill").style.width = `${(100 * t) / (duration() || 1)}%`;
  $("seekbar").setAttribute("aria-valuenow", String(Math.round(t)));
  $("seekbar").setAttribute("aria-valuemax", String(Math.round(duration())));
}
player.addEventListener("timeupdate", () => { selectScene(sceneAt(player.currentTime)); showClock(); });
player.addEventListener("durationchange", showClock);
const togglePlay = () => (player.paused ? player.play().catch(() => {}) : player.pause());
player.addEventListener("click", togglePlay);
player.addEventListener("play", () => { $("play").textContent = "❚❚"; $("play").setAttribute("aria-label", "Pause"); });
player.addEventListener("pause", () => { $("play").textContent = "▶"; $("play").setAttribute("aria-label", "Play"); });
$("play").addEventListener("click", togglePlay);
$("mute").addEventListener("click", () => { player.muted = !player.muted; $("mute").textContent = player.muted ? "Unmute" : "Mute"; });
$("fullscreen").addEventListener("click", () => player.requestFullscreen && player.requestFullscreen().catch(() => {}));
$("seekbar").addEventListener("keydown", (e) => {
  const step = { ArrowLeft: -5, ArrowRight: 5, Home: -Infinity, End: Infinity }[e.key];
  if (step === undefined) return;
  e.preventDefault();
  seek(Math.max(0, Math.min(duration(), (player.currentTime || 0) + step)));
});
player.addEventListener("seeked", () => selectScene(sceneAt(player.currentTime)));
player.addEventListener("error", async () => {
  if (!state.video) return;
  // Tell a missing file (the server says why) from one this browser cannot decode (.avi, odd codecs).
  let why = `This browser cannot play ${state.video.name} (its container or codec). ` +
            "The scenes, their thumbnails and texts are below; click a scene to read it.";
  try { await api(state.video.media, { headers: { Range: "bytes=0-0" } }); } catch (err) { why = err.message; }
  $("unplayable").textContent = why;
  $("unplayable").hidden = false;
  $("controls").classList.add("unplayable");
  player.hidden = true;
  if (state.pendingSeek !== null) selectScene(sceneAt(state.pendingSeek));
});
$("seekbar").addEventListener("click", (e) => {
  if (e.target.classList.contains("marker")) return;
  const box = $("seekbar").getBoundingClientRect();
  seek(((e.clientX - box.left) / box.width) * duration());
});

// Every cited moment of the current answer in this video is a mark on the seek bar and the timeline.
function drawMarkers() {
  if (!state.video) return;
  const d = duration() || 1;
  const mine = state.cites.filter((c) => c.path === state.video.path);
  $("markers").replaceChildren(...mine.map((c) => el("button", {
    type: "button", class: `marker ${c.kind || "cited"}`, title: c.label, "aria-label": c.label,
    style: { left: `${(100 * c.start) / d}%`, width: `${Math.max(0.6, (100 * (c.end - c.start)) / d)}%` },
    onclick: () => seek(c.start) })));
  for (const li of $("timeline").children) {
    const s = state.scenes[Number(li.dataset.idx)];
    li.classList.toggle("cited", mine.some((c) => c.kind !== "hit" && c.start < s.end && c.end > s.start));
  }
}

// Open a video at a second: a new video goes through the address (back button works).
function openAt(videoId, t) {
  const target = `#/video/${videoId}?t=${t.toFixed(2)}`;
  if (location.hash === target) seek(t);
  else location.hash = target;
}

// ---- search and ask ---------------------------------------------------------------------
function openResults(title) {
  if (state.stream) { state.stream.close(); state.stream = null; }
  $("results").hidden = false;
  $("results-title").textContent = title;
  $("steps").replaceChildren();
  $("answer").replaceChildren();
  $("hits").replaceChildren();
  state.cites = [];
  drawMarkers();
}

function scopeVideo() {
  return !$("scope").hidden && $("only-this").checked && state.video ? String(state.video.id) : "";
}

async function runSearch(q) {
  openResults(`Search: ${q}`);
  const params = new URLSearchParams({ q, k: "20" });
  if (scopeVideo()) params.set("video", scopeVideo());
  let hits;
  try { hits = await api(`/api/search?${params}`); } catch (err) {
    return $("answer").replaceChildren(el("p", { class: "error", text: err.message }));
  }
  if (!hits.length) return $("answer").replaceChildren(el("p", { class: "muted", text: "No matching scenes." }));
  state.cites = hits.map((h) => ({ path: h.path, start: h.cite_start, end: h.cite_end, kind: "hit",
                                   label: `${h.video} @ ${hms(h.cite_start)}–${hms(h.cite_end)}` }));
  drawMarkers();
  $("hits").replaceChildren(...hits.map((h) => el("li", {},
    el("button", { type: "button", class: "hit", "data-video": h.video_id, "data-start": h.cite_start,
                   onclick: () => openAt(h.video_id, h.cite_start) },
      h.thumb ? el("img", { src: h.thumb, alt: "", loading: "lazy" }) : el("span"),
      el("span", {},
        el("span", { class: "row" }, el("strong", { text: h.video }),
           el("span", { class: `badge mod-${h.modality}`, text: h.modality })),
        el("span", { class: "muted", text: `${hms(h.cite_start)}–${hms(h.cite_end)}` }),
        el("span", { class: "snippet", text: h.snippet }))))));
}

function runAsk(q) {
  openResults(`Ask: ${q}`);
  const params = new URLSearchParams({ q });
  if (scopeVideo()) params.set("video", scopeVideo());
  const stream = state.stream = new EventSource(`/api/ask/stream?${params}`);
  const running = new Map();
  stream.addEventListener("start", (e) => {
    const { step } = JSON.parse(e.data);
    const li = el("li", { class: "running", text: `${step}…` });
    running.set(step, li);
    $("steps").append(li);
  });
  stream.addEventListener("step", (e) => {
    const s = JSON.parse(e.data);
    const li = running.get(s.step) || $("steps").appendChild(el("li"));
    running.delete(s.step);
    li.className = "";
    const detail = [s.intent, s.evidence !== undefined ? `${s.evidence} evidence` : null, s.outcome, s.problem]
      .filter(Boolean).join(" · ");
    li.textContent = `${s.step} ${Number(s.seconds).toFixed(2)} s${detail ? ` · ${detail}` : ""}`;
  });
  stream.addEventListener("progress", (e) => {   // long first-time work: a video's summary
    const p = JSON.parse(e.data);
    const li = [...running.values()].pop();
    if (li) li.textContent = `${p.message} (${p.done}/${p.total})…`;
  });
  stream.addEventListener("answer", (e) => { stream.close(); showAnswer(JSON.parse(e.data)); });
  stream.addEventListener("error", (e) => {
    stream.close();
    let message = "The connection to the server was lost.";
    if (e.data) message = JSON.parse(e.data).error;
    $("answer").replaceChildren(el("p", { class: "error", text: message }));
  });
}

function chips(list, related) {
  return el("div", { class: "chips" }, ...list.map((c) => {
    const v = state.byPath.get(c.path);
    return el("button", { type: "button", class: `chip${related ? " related" : ""}`, title: c.snippet,
                          "data-start": c.start, onclick: () => v && openAt(v.id, c.start) }, c.label);
  }));
}

async function showAnswer(a) {
  if (!state.videos.length) await loadVideos();
  const abstained = !a.found;
  const box = el("div", { class: abstained ? "abstain" : "found" });
  if (abstained) box.append(el("p", { class: "badge status-partial", text: a.outcome === "unconfirmed" ? "Not confirmed" : "Not in the library" }));
  box.append(el("p", { class: "answer-text", text: a.answer }));
  if (a.citations.length) box.append(chips(a.citations, false));
  if (a.related && a.related.length) box.append(el("p", { class: "muted", text: "Closest moments (they do not confirm an answer):" }), chips(a.related, true));
  box.append(el("p", { class: "muted", text: `${a.kind} · confidence ${Number(a.confidence).toFixed(2)}` }));
  $("answer").replaceChildren(box);
  state.cites = [...a.citations, ...(a.related || []).map((c) => ({ ...c, kind: "related" }))];
  drawMarkers();
  // An answer about one video opens it, with its cited moments marked on the seek bar.
  const first = a.citations[0] && state.byPath.get(a.citations[0].path);
  if (first && !(state.video && state.video.path === first.path)) openAt(first.id, a.citations[0].start);
}

$("query").addEventListener("submit", (e) => { e.preventDefault(); const q = $("q").value.trim(); if (q) runSearch(q); });
$("ask-btn").addEventListener("click", () => { const q = $("q").value.trim(); if (q) runAsk(q); else $("q").reportValidity(); });
$("close-results").addEventListener("click", () => { $("results").hidden = true; });

// ---- routes: #/ (library) and #/video/ID?t=SECONDS ----------------------------------------
async function route() {
  const m = location.hash.match(/^#\/video\/([^?]+)(?:\?t=([\d.]+))?$/);
  try {
    if (m) await showVideo(decodeURIComponent(m[1]), m[2] !== undefined ? Number(m[2]) : null);
    else await showLibrary();
  } catch (err) {
    $("library-view").hidden = false;
    $("video-view").hidden = true;
    $("index-error").textContent = err.message;
    $("index-error").hidden = false;
  }
}
window.addEventListener("hashchange", route);
route();
