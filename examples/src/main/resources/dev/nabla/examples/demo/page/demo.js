// The demo page: a 28x28 drawing grid, test images from /sample, predictions from /predict, curves from history.*.
// Query parameters: ?sample=N shows test image N; &autopredict=1 also predicts it (what the browser test drives).
"use strict";

const SIDE = 28;
const SCALE = 10;
const pixels = new Float32Array(SIDE * SIDE);
const canvas = document.getElementById("canvas");
const context = canvas.getContext("2d");

function render() {
  const image = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < pixels.length; i++) {
    const v = Math.round(pixels[i] * 255);
    image.data.set([v, v, v, 255], 4 * i);
  }
  // draw 28x28, then scale up without smoothing so each pixel is a visible square
  const small = document.createElement("canvas");
  small.width = SIDE;
  small.height = SIDE;
  small.getContext("2d").putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, SIDE * SCALE, SIDE * SCALE);
}

function showError(message) {
  document.getElementById("error").textContent = message;
}

// A soft round brush about 2.5 pixels wide, like a pen stroke on the dataset's scale.
function paint(x, y) {
  for (let row = Math.floor(y - 2); row <= Math.ceil(y + 2); row++) {
    for (let col = Math.floor(x - 2); col <= Math.ceil(x + 2); col++) {
      if (row < 0 || row >= SIDE || col < 0 || col >= SIDE) continue;
      const distance = Math.hypot(col + 0.5 - x, row + 0.5 - y);
      const value = Math.min(1, Math.max(0, 1.6 - distance / 1.25));
      pixels[row * SIDE + col] = Math.max(pixels[row * SIDE + col], value);
    }
  }
}

let drawing = false;
let last = null;

function gridPoint(event) {
  const box = canvas.getBoundingClientRect();
  return { x: (event.clientX - box.left) / box.width * SIDE, y: (event.clientY - box.top) / box.height * SIDE };
}

canvas.addEventListener("pointerdown", event => {
  drawing = true;
  canvas.setPointerCapture(event.pointerId);
  last = gridPoint(event);
  paint(last.x, last.y);
  render();
});
canvas.addEventListener("pointermove", event => {
  if (!drawing) return;
  const point = gridPoint(event);
  // fill the gap between two events so fast strokes stay continuous
  const steps = Math.max(1, Math.ceil(Math.hypot(point.x - last.x, point.y - last.y) * 2));
  for (let s = 1; s <= steps; s++) {
    paint(last.x + (point.x - last.x) * s / steps, last.y + (point.y - last.y) * s / steps);
  }
  last = point;
  render();
});
function endStroke() {
  if (!drawing) return;
  drawing = false;
  document.getElementById("sample-label").textContent = "your drawing";
  predict();
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

async function fetchJson(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(response.status + ": " + (body.error || response.statusText));
  return body;
}

function showPredictions(result) {
  const list = document.getElementById("predictions");
  list.replaceChildren();
  for (const p of result.predictions) {
    const item = document.createElement("li");
    item.className = "prediction";
    item.dataset.label = p.label;
    item.dataset.probability = String(p.probability);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = p.label;
    const probability = document.createElement("span");
    probability.className = "probability";
    probability.textContent = (100 * p.probability).toFixed(1) + " %";
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = (100 * p.probability).toFixed(1) + "%";
    item.append(name, probability, bar);
    list.append(item);
  }
  document.getElementById("model-name").textContent = "model: " + result.model;
}

async function predict() {
  showError("");
  try {
    const result = await fetchJson("predict", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ pixels: Array.from(pixels) }),
    });
    showPredictions(result);
    document.body.dataset.state = "predicted";
  } catch (e) {
    showError("prediction failed: " + e.message);
    document.body.dataset.state = "error";
  }
}

async function loadSample(index) {
  showError("");
  try {
    const sample = await fetchJson("sample?i=" + encodeURIComponent(index));
    pixels.set(sample.pixels);
    render();
    document.getElementById("sample-index").value = sample.index;
    document.getElementById("sample-index").max = sample.count - 1;
    const label = document.getElementById("sample-label");
    label.textContent = "test image " + sample.index + ", true class: " + sample.labelName;
    label.dataset.label = sample.labelName;
    return true;
  } catch (e) {
    showError("could not load the test image: " + e.message);
    document.body.dataset.state = "error";
    return false;
  }
}

async function loadHistory() {
  const table = document.getElementById("history-table");
  const response = await fetch("history.csv");
  if (!response.ok) {
    table.replaceChildren();
    document.getElementById("history-chart").alt = "no training history yet";
    return;
  }
  const rows = (await response.text()).trim().split("\n").map(line => line.split(","));
  table.replaceChildren(...rows.map((cells, r) => {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement(r === 0 ? "th" : "td");
      td.textContent = cell;
      tr.append(td);
    }
    return tr;
  }));
}

document.getElementById("clear").addEventListener("click", () => {
  pixels.fill(0);
  render();
  document.getElementById("predictions").replaceChildren();
  document.getElementById("sample-label").textContent = "";
});
document.getElementById("predict").addEventListener("click", predict);
document.getElementById("load-sample").addEventListener("click", async () => {
  if (await loadSample(document.getElementById("sample-index").value)) predict();
});
document.getElementById("random-sample").addEventListener("click", async () => {
  const max = Number(document.getElementById("sample-index").max) || 9999;
  if (await loadSample(Math.floor(Math.random() * (max + 1)))) predict();
});

async function start() {
  render();
  const query = new URLSearchParams(location.search);
  document.body.dataset.state = "ready";
  const history = loadHistory().catch(e => showError("could not load the training history: " + e.message));
  if (query.has("sample") && await loadSample(query.get("sample")) && query.get("autopredict") === "1") {
    await predict();
  }
  await history;
}
start();
