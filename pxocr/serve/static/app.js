// pxocr's page: upload a page, see every glyph box, hover, drag a region, find a text, zoom, download.
// No libraries: the page canvas holds the image and every glyph box (drawn once per zoom), the overlay
// canvas only what changes (hover, region, matches), so a page with thousands of glyphs stays smooth.
// Glyphs are found under the pointer through a grid of 32 px cells. Boxes are page pixels
// [x0, y0, x1, y1] (pixel column i covers [i, i+1)), drawn at zoom z as the rectangle x0*z .. x1*z.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const CELL = 32;
  const ZOOMS = [0.25, 0.33, 0.5, 0.67, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8];
  const state = {
    file: null, image: null, result: null, page: null, glyphs: [], grid: new Map(), zoom: 1,
    hover: null, drag: null, region: null, regionGlyphs: [], matches: [], glyphsDrawn: 0, busy: false,
  };
  window.pxocr = state; // for tests and the curious

  const pageCanvas = $("page-canvas"), overlay = $("overlay-canvas");

  // ---------------------------------------------------------------- loading a page

  function setStatus(text, error) {
    const s = $("status");
    s.textContent = text;
    s.classList.toggle("error", !!error);
  }

  async function errorText(resp) {
    try {
      const body = await resp.json();
      if (body && body.error) return `${resp.status}: ${body.error.message}`;
    } catch (e) { /* not JSON */ }
    return `${resp.status} ${resp.statusText}`;
  }

  function form(extra) {
    const fd = new FormData();
    fd.append("file", state.file, state.file.name || "upload");
    fd.append("single_pass", $("single-pass").checked ? "true" : "false");
    for (const [k, v] of Object.entries(extra || {})) fd.append(k, v);
    return fd;
  }

  async function openFile(file) {
    if (!file) return;
    state.file = file;
    state.result = null;
    setStatus(`Reading ${file.name}…`);
    document.body.dataset.state = "reading";
    const t0 = performance.now();
    const [image, resp] = await Promise.all([decodeImage(file), fetch("/v1/read", { method: "POST", body: form({ format: "json" }) })]);
    if (!resp.ok) {
      setStatus(await errorText(resp), true);
      document.body.dataset.state = "error";
      return;
    }
    const result = await resp.json();
    const ms = performance.now() - t0;
    state.result = result;
    state.page = result.pages ? result.pages[0] : result;
    state.image = image;
    indexGlyphs();
    state.region = null; state.regionGlyphs = []; state.hover = null;
    $("drop-hint").hidden = true;
    $("stage").hidden = false;
    for (const id of ["search", "dl-json", "dl-hocr", "dl-text"]) $(id).disabled = false;
    const pages = result.pages ? ` (page 1 of ${result.pages.length})` : "";
    setStatus(`${file.name}${pages}: ${state.page.width}×${state.page.height} px, ${state.page.lines.length} lines, ` +
      `${state.glyphs.length} glyphs, read in ${ms.toFixed(0)} ms` + (image ? "" : " (the browser cannot show this file: boxes on white)"));
    $("page-text").textContent = state.page.lines.map((l) => l.text).join("\n");
    $("region-box").textContent = "drag a rectangle on the page";
    $("region-text").textContent = "";
    fitWidth();
    runSearch();
    document.body.dataset.state = "ready";
  }

  async function decodeImage(file) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      return null; // PDF, TIFF: the server reads it, the browser cannot draw it
    }
  }

  function indexGlyphs() {
    state.glyphs = [];
    state.grid = new Map();
    state.page.lines.forEach((line, li) => {
      line.chars.forEach((c) => {
        const g = { char: c.char, score: c.score, bbox: c.bbox, line: li };
        const k = state.glyphs.push(g) - 1;
        const [x0, y0, x1, y1] = c.bbox;
        for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
          for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
            const key = cy * 100000 + cx;
            const list = state.grid.get(key);
            if (list) list.push(k); else state.grid.set(key, [k]);
          }
        }
      });
    });
  }

  function glyphAt(x, y) {
    const list = state.grid.get(Math.floor(y / CELL) * 100000 + Math.floor(x / CELL)) || [];
    let best = null, bestArea = Infinity;
    for (const k of list) {
      const [x0, y0, x1, y1] = state.glyphs[k].bbox;
      // the box, grown by one screen pixel so that thin glyphs can be hit
      const pad = 1 / state.zoom;
      if (x >= x0 - pad && x <= x1 + pad && y >= y0 - pad && y <= y1 + pad) {
        const area = (x1 - x0) * (y1 - y0);
        if (area < bestArea) { best = k; bestArea = area; }
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- drawing

  function setZoom(z) {
    state.zoom = Math.max(ZOOMS[0], Math.min(ZOOMS[ZOOMS.length - 1], z));
    $("zoom-level").textContent = `${Math.round(state.zoom * 100)} %`;
    drawPage();
    drawOverlay();
  }

  function fitWidth() {
    if (!state.page) return;
    const avail = $("viewer").clientWidth - 30;
    setZoom(Math.min(4, avail / state.page.width));
  }

  function stepZoom(dir) {
    const z = state.zoom;
    const next = dir > 0 ? ZOOMS.find((v) => v > z + 1e-9) : [...ZOOMS].reverse().find((v) => v < z - 1e-9);
    if (next) setZoom(next);
  }

  function drawPage() {
    if (!state.page) return;
    const z = state.zoom, w = Math.round(state.page.width * z), h = Math.round(state.page.height * z);
    for (const c of [pageCanvas, overlay]) { c.width = w; c.height = h; }
    const ctx = pageCanvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    if (state.image) {
      ctx.imageSmoothingEnabled = z < 1;
      ctx.drawImage(state.image, 0, 0, w, h);
    }
    let drawn = 0;
    if ($("show-boxes").checked) {
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(225, 30, 30, 0.9)";
      ctx.beginPath();
      for (const g of state.glyphs) {
        const [x0, y0, x1, y1] = g.bbox;
        // the outline just outside the box: left/top edge on the pixel before x0*z, right/bottom on x1*z
        ctx.rect(Math.round(x0 * z) - 0.5, Math.round(y0 * z) - 0.5, Math.round(x1 * z) - Math.round(x0 * z) + 1,
          Math.round(y1 * z) - Math.round(y0 * z) + 1);
        drawn++;
      }
      ctx.stroke();
    }
    state.glyphsDrawn = drawn;
    pageCanvas.dataset.glyphsDrawn = String(drawn);
  }

  function strokeBox(ctx, b, colour, width, fill) {
    const z = state.zoom;
    const x = Math.round(b[0] * z) - 0.5, y = Math.round(b[1] * z) - 0.5;
    const w = Math.round(b[2] * z) - Math.round(b[0] * z) + 1, h = Math.round(b[3] * z) - Math.round(b[1] * z) + 1;
    if (fill) { ctx.fillStyle = fill; ctx.fillRect(x, y, w, h); }
    ctx.lineWidth = width;
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
  }

  function drawOverlay() {
    if (!state.page) return;
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    for (const m of state.matches) {
      strokeBox(ctx, m.bbox, "rgba(230, 160, 0, 1)", 2, "rgba(255, 210, 0, 0.28)");
    }
    for (const g of state.regionGlyphs) strokeBox(ctx, g.bbox, "rgba(0, 150, 60, 1)", 1.5, "rgba(0, 200, 80, 0.15)");
    if (state.region) strokeBox(ctx, state.region, "rgba(0, 110, 220, 1)", 1.5, null);
    if (state.drag && state.drag.moved) {
      const d = state.drag;
      strokeBox(ctx, [Math.min(d.x0, d.x1), Math.min(d.y0, d.y1), Math.max(d.x0, d.x1), Math.max(d.y0, d.y1)],
        "rgba(0, 110, 220, 1)", 1.5, "rgba(0, 110, 220, 0.08)");
    }
    if (state.hover !== null) strokeBox(ctx, state.glyphs[state.hover].bbox, "rgba(0, 60, 255, 1)", 2, "rgba(0, 60, 255, 0.15)");
  }

  // ---------------------------------------------------------------- hover, drag a region

  function pagePoint(ev) {
    const r = overlay.getBoundingClientRect();
    return [(ev.clientX - r.left) / state.zoom, (ev.clientY - r.top) / state.zoom];
  }

  const f4 = (v) => Number(v).toFixed(4);

  function showGlyph(k) {
    if (k === state.hover) return;
    state.hover = k;
    if (k === null) {
      for (const id of ["glyph-char", "glyph-score", "glyph-box", "glyph-line"]) $(id).textContent = "–";
    } else {
      const g = state.glyphs[k];
      $("glyph-char").textContent = g.char;
      $("glyph-score").textContent = g.score === undefined || g.score === null ? "–" : f4(g.score);
      $("glyph-box").textContent = `[${g.bbox.map(f4).join(", ")}]`;
      $("glyph-line").textContent = String(g.line + 1);
    }
    requestDraw();
  }

  let drawPending = false;
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawOverlay(); });
  }

  overlay.addEventListener("mousedown", (ev) => {
    if (ev.button !== 0 || !state.page) return;
    const [x, y] = pagePoint(ev);
    state.drag = { x0: x, y0: y, x1: x, y1: y, moved: false };
    ev.preventDefault();
  });
  window.addEventListener("mousemove", (ev) => {
    if (!state.page) return;
    if (state.drag) {
      const [x, y] = pagePoint(ev);
      state.drag.x1 = x; state.drag.y1 = y;
      state.drag.moved = state.drag.moved || Math.abs(x - state.drag.x0) * state.zoom > 3 ||
        Math.abs(y - state.drag.y0) * state.zoom > 3;
      requestDraw();
    } else if (ev.target === overlay) {
      const [x, y] = pagePoint(ev);
      showGlyph(glyphAt(x, y));
    }
  });
  overlay.addEventListener("mouseleave", () => { if (!state.drag) showGlyph(null); });
  window.addEventListener("mouseup", () => {
    const d = state.drag;
    state.drag = null;
    if (!d || !d.moved) { requestDraw(); return; }
    const clamp = (v, hi) => Math.max(0, Math.min(hi, v));
    const W = state.page.width, H = state.page.height;
    const box = [clamp(Math.min(d.x0, d.x1), W), clamp(Math.min(d.y0, d.y1), H),
      clamp(Math.max(d.x0, d.x1), W), clamp(Math.max(d.y0, d.y1), H)];
    readRegion(box);
  });

  async function readRegion(box) {
    state.region = box;
    state.regionGlyphs = [];
    $("region-box").textContent = `[${box.map((v) => v.toFixed(1)).join(", ")}] reading…`;
    $("region-text").textContent = "";
    document.body.dataset.region = "reading";
    requestDraw();
    const resp = await fetch("/v1/read", { method: "POST", body: form({ format: "json", regions: box.join(",") }) });
    if (!resp.ok) {
      $("region-box").textContent = await errorText(resp);
      document.body.dataset.region = "error";
      return;
    }
    const res = await resp.json();
    const page = res.pages ? res.pages[0] : res;
    state.regionGlyphs = page.lines.flatMap((l) => l.chars);
    $("region-box").textContent = `[${box.map((v) => v.toFixed(1)).join(", ")}]: ${state.regionGlyphs.length} glyphs`;
    $("region-text").textContent = page.lines.map((l) => l.text).join("\n");
    document.body.dataset.region = "done";
    requestDraw();
  }

  // ---------------------------------------------------------------- find (in the reading, as pxocr.search does
  // without edits: runs of spaces are one space; a match lies within a line and never overlaps another)

  function runSearch() {
    const q = $("search").value.split(/\s+/).filter(Boolean).join(" ");
    const fold = $("ignore-case").checked ? (s) => s.toLowerCase() : (s) => s;
    state.matches = [];
    const list = $("matches");
    list.textContent = "";
    if (q && state.page) {
      const needle = fold(q);
      state.page.lines.forEach((line, li) => {
        // the line's text with runs of spaces as one, and each position's glyph (null for a space)
        let text = "";
        const at = [];
        let k = 0;
        for (const ch of line.text) {
          if (ch === " ") {
            if (text && text[text.length - 1] !== " ") { text += " "; at.push(null); }
          } else { text += ch; at.push(line.chars[k++]); }
        }
        const hay = fold(text);
        let s = hay.indexOf(needle);
        while (s >= 0 && needle.length) {
          const chars = at.slice(s, s + needle.length).filter(Boolean);
          const bbox = [Math.min(...chars.map((c) => c.bbox[0])), Math.min(...chars.map((c) => c.bbox[1])),
            Math.max(...chars.map((c) => c.bbox[2])), Math.max(...chars.map((c) => c.bbox[3]))];
          state.matches.push({ text: text.slice(s, s + needle.length), line: li, bbox, chars });
          s = hay.indexOf(needle, s + needle.length);
        }
      });
      for (const m of state.matches.slice(0, 500)) {
        const li = document.createElement("li");
        li.textContent = `line ${m.line + 1}: ${m.text} [${m.bbox.map((v) => v.toFixed(1)).join(", ")}]`;
        li.addEventListener("click", () => scrollToBox(m.bbox));
        list.appendChild(li);
      }
    }
    $("search-count").textContent = q ? `${state.matches.length} match${state.matches.length === 1 ? "" : "es"}` : "";
    $("search-count").dataset.count = String(state.matches.length);
    requestDraw();
  }

  function scrollToBox(b) {
    const v = $("viewer"), z = state.zoom;
    v.scrollTo({ left: b[0] * z - v.clientWidth / 3, top: b[1] * z - v.clientHeight / 3, behavior: "smooth" });
  }

  // ---------------------------------------------------------------- downloads

  function save(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  const stem = () => (state.file.name || "page").replace(/\.[^.]*$/, "");

  $("dl-json").addEventListener("click", () => {
    save(new Blob([JSON.stringify(state.result, null, 1)], { type: "application/json" }), `${stem()}.json`);
  });
  $("dl-text").addEventListener("click", () => {
    const pages = state.result.pages || [state.result];
    const text = pages.map((p) => p.lines.map((l) => l.text).join("\n")).join("\f") + "\n";
    save(new Blob([text], { type: "text/plain" }), `${stem()}.txt`);
  });
  $("dl-hocr").addEventListener("click", async () => {
    const resp = await fetch("/v1/read", { method: "POST", body: form({ format: "hocr" }) });
    if (!resp.ok) { setStatus(await errorText(resp), true); return; }
    save(await resp.blob(), `${stem()}.hocr`);
  });

  // ---------------------------------------------------------------- controls

  $("file").addEventListener("change", (ev) => openFile(ev.target.files[0]));
  $("zoom-in").addEventListener("click", () => stepZoom(1));
  $("zoom-out").addEventListener("click", () => stepZoom(-1));
  $("zoom-fit").addEventListener("click", fitWidth);
  $("show-boxes").addEventListener("change", drawPage);
  $("search").addEventListener("input", runSearch);
  $("ignore-case").addEventListener("change", runSearch);
  $("viewer").addEventListener("wheel", (ev) => {
    if (!state.page || !(ev.ctrlKey || ev.metaKey)) return;
    ev.preventDefault();
    stepZoom(ev.deltaY < 0 ? 1 : -1);
  }, { passive: false });
  window.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT") return;
    if (ev.key === "+" || ev.key === "=") stepZoom(1);
    else if (ev.key === "-") stepZoom(-1);
  });
  const viewer = $("viewer");
  viewer.addEventListener("dragover", (ev) => { ev.preventDefault(); viewer.classList.add("dragover"); });
  viewer.addEventListener("dragleave", () => viewer.classList.remove("dragover"));
  viewer.addEventListener("drop", (ev) => {
    ev.preventDefault();
    viewer.classList.remove("dragover");
    if (ev.dataTransfer.files.length) openFile(ev.dataTransfer.files[0]);
  });
  state.api = { drawPage, drawOverlay, glyphAt, setZoom, runSearch, readRegion }; // for tests
  document.body.dataset.state = "empty";
})();
