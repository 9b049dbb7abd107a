// The course's explorers (course_utils/interactive.py): figures the reader moves on the static
// site. A trained decoder, embedded in the page as ONNX, runs in the browser with ONNX Runtime
// Web, which the site serves itself (_static/vendor/ort/): nothing comes from another host.
// Each explorer counts its updates (data-updates) and keeps how long each took (times, in ms),
// for the browser test and the benchmark.
(function () {
  "use strict";
  const explorers = (window.courseExplorers = []);
  let runtime = null;

  function siteRoot() {
    const root = document.documentElement.dataset.content_root;
    return root === undefined ? "" : root;
  }

  // Load ONNX Runtime Web once. require.js, when a page has it, would take the script as an AMD
  // module instead of defining the global `ort`: hide it while the script loads.
  function loadRuntime() {
    if (!runtime) {
      runtime = new Promise(function (resolve, reject) {
        // Absolute: ONNX Runtime resolves a relative path against its own script's address.
        const folder = new URL(siteRoot() + "_static/vendor/ort/", document.baseURI).href;
        const script = document.createElement("script");
        const define = window.define;
        window.define = undefined;
        script.src = folder + "ort.wasm.min.js";
        script.onload = function () {
          window.define = define;
          window.ort.env.wasm.wasmPaths = folder;
          window.ort.env.wasm.numThreads = 1; // threads need cross-origin isolation
          resolve(window.ort);
        };
        script.onerror = function () {
          window.define = define;
          reject(new Error("could not load " + script.src));
        };
        document.head.appendChild(script);
      });
    }
    return runtime;
  }

  function base64Bytes(text) {
    const binary = atob(text.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // A decoder: decode(rows of codes) -> {data, dims}, one call for all rows.
  async function loadDecoder(element) {
    const ort = await loadRuntime();
    const model = element.querySelector(".explorer-model");
    const session = await ort.InferenceSession.create(base64Bytes(model.textContent), {
      executionProviders: ["wasm"],
    });
    return async function decode(rows) {
      const d = rows[0].length;
      const flat = new Float32Array(rows.length * d);
      rows.forEach(function (row, i) { flat.set(row, i * d); });
      const feeds = {};
      feeds[session.inputNames[0]] = new ort.Tensor("float32", flat, [rows.length, d]);
      const out = await session.run(feeds);
      return out[session.outputNames[0]];
    };
  }

  // Draw image `index` of a decoded batch (N, H, W, C in [0, 1]) into a canvas region.
  function drawImage(canvas, tensor, index, x, size) {
    const [, h, w, c] = tensor.dims;
    const pixels = new ImageData(w, h);
    const offset = index * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) {
        const v = tensor.data[offset + p * c + (c === 1 ? 0 : k)];
        pixels.data[4 * p + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
      pixels.data[4 * p + 3] = 255;
    }
    const scratch = document.createElement("canvas");
    scratch.width = w;
    scratch.height = h;
    scratch.getContext("2d").putImageData(pixels, 0, 0);
    const context = canvas.getContext("2d");
    context.imageSmoothingEnabled = false;
    context.drawImage(scratch, x, 0, size, size);
  }

  // Run update(value) for the latest value only: moves that come while one decodes are merged.
  function latestOnly(record, update) {
    let busy = false, pending = null;
    return async function request(value) {
      pending = { value: value, start: performance.now() };
      if (busy) return;
      busy = true;
      while (pending) {
        const job = pending;
        pending = null;
        try {
          await update(job.value);
          record(performance.now() - job.start);
        } catch (error) {
          console.error("explorer:", error);
        }
      }
      busy = false;
    };
  }

  function register(element, kind) {
    const state = { kind: kind, element: element, times: [] };
    explorers.push(state);
    element.dataset.updates = "0";
    return function record(ms) {
      state.times.push(ms);
      element.dataset.updates = String(state.times.length);
    };
  }

  function latentMap(element, config) {
    const map = element.querySelector(".explorer-map");
    const canvas = element.querySelector(".explorer-image");
    const readout = element.querySelector(".explorer-readout");
    const [x0, x1, y0, y1] = config.extent;
    let point = [(x0 + x1) / 2, (y0 + y1) / 2];
    let decoder = null;
    const choice = element.querySelector(".explorer-class");  // a conditional decoder's class
    function input(z) {  // the code, and the chosen class one-hot beside it
      if (!choice) return z;
      const oneHot = new Array(config.classes).fill(0);
      oneHot[Number(choice.value)] = 1;
      return z.concat(oneHot);
    }
    const request = latestOnly(register(element, "latent-map"), async function (z) {
      decoder = decoder || (await loadDecoder(element));
      drawImage(canvas, await decoder([input(z)]), 0, 0, canvas.width);
      readout.textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")" +
        (choice ? ", " + choice.options[choice.selectedIndex].text : "");
    });
    if (choice) choice.addEventListener("change", function () { request(point); });
    function pointAt(event) {
      const box = map.getBoundingClientRect();
      const u = (event.clientX - box.left) / box.width, v = (event.clientY - box.top) / box.height;
      point = [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
      request(point);
    }
    map.addEventListener("pointermove", pointAt);  // a mouse moving over the map
    map.addEventListener("pointerdown", pointAt);  // a finger's tap (a drag scrolls the page)
    map.addEventListener("keydown", function (event) {
      const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      if (!step[event.key]) return;
      event.preventDefault();
      point = [point[0] + step[event.key][0] * (x1 - x0) / 40,
               point[1] + step[event.key][1] * (y1 - y0) / 40];
      request(point);
    });
    request(point);
  }

  function normalDensity(x, mu, sigma) {
    return Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  }

  function klExplorer(element) {
    const mu = element.querySelector(".explorer-mu");
    const sigma = element.querySelector(".explorer-sigma");
    const canvas = element.querySelector(".explorer-plot");
    const readout = element.querySelector(".explorer-readout");
    const record = register(element, "kl");
    function draw() {
      const start = performance.now();
      const m = parseFloat(mu.value), s = parseFloat(sigma.value);
      // KL(N(m, s^2) || N(0, 1)), the closed form chapter 4 derives (course_utils.kl).
      const kl = 0.5 * (s * s + m * m - 1) - Math.log(s);
      const context = canvas.getContext("2d");
      const w = canvas.width, h = canvas.height, top = Math.max(normalDensity(m, m, s), 0.45);
      context.fillStyle = "#fff"; // white in dark mode too, like the other figures
      context.fillRect(0, 0, w, h);
      context.strokeStyle = "#888";
      context.beginPath();
      context.moveTo(0, h - 20);
      context.lineTo(w, h - 20);
      context.stroke();
      [[0, 1, "#1f77b4", "p = N(0, 1)"], [m, s, "#ff7f0e", "q"]].forEach(function (curve, i) {
        context.strokeStyle = curve[2];
        context.lineWidth = 2.5;
        context.beginPath();
        for (let px = 0; px <= w; px++) {
          const x = -5 + (10 * px) / w;
          const y = h - 20 - ((h - 40) * normalDensity(x, curve[0], curve[1])) / top;
          if (px === 0) context.moveTo(px, y);
          else context.lineTo(px, y);
        }
        context.stroke();
        context.fillStyle = curve[2];
        context.font = "14px sans-serif";
        context.fillText(curve[3], 10, 20 + 18 * i);
      });
      const reverse = Math.log(s) + (1 + m * m) / (2 * s * s) - 0.5; // KL(p || q)
      readout.textContent = "μ = " + m.toFixed(2) + ", σ = " + s.toFixed(2) +
        ": KL(q ‖ p) = " + kl.toFixed(4) + " nats, KL(p ‖ q) = " + reverse.toFixed(4) + " nats";
      record(performance.now() - start);
    }
    mu.addEventListener("input", draw);
    sigma.addEventListener("input", draw);
    draw();
  }

  function attributeExplorer(element, config) {
    const attribute = element.querySelector(".explorer-attribute");
    const strength = element.querySelector(".explorer-strength");
    const canvas = element.querySelector(".explorer-image");
    const readout = element.querySelector(".explorer-readout");
    const faces = Array.from(element.querySelectorAll(".explorer-face"));
    let face = 0, decoder = null;
    const size = canvas.height;
    const request = latestOnly(register(element, "attribute"), async function (choice) {
      decoder = decoder || (await loadDecoder(element));
      const z = config.codes[choice.face], v = config.vectors[choice.attribute];
      const edited = z.map(function (value, i) { return value + choice.strength * v[i]; });
      const decoded = await decoder([z, edited]);
      const context = canvas.getContext("2d");
      context.imageSmoothingEnabled = false;
      context.drawImage(faces[choice.face], 0, 0, size, size);
      drawImage(canvas, decoded, 0, size, size);
      drawImage(canvas, decoded, 1, 2 * size, size);
      readout.textContent = "face " + (choice.face + 1) + ": original | reconstruction | " +
        choice.strength.toFixed(1) +
        " × the " + choice.attribute.replace(/_/g, " ") + " vector";
    });
    function update() {
      request({ face: face, attribute: attribute.value, strength: parseFloat(strength.value) });
    }
    faces.forEach(function (image, i) {
      function pick() {
        face = i;
        faces.forEach(function (other) { other.classList.toggle("chosen", other === image); });
        update();
      }
      image.addEventListener("click", pick);
      image.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
      });
    });
    attribute.addEventListener("change", function () {
      strength.value = 2 * config.units[attribute.value];
      update();
    });
    strength.addEventListener("input", update);
    faces[0].classList.add("chosen");
    update();
  }

  const KINDS = { "latent-map": latentMap, kl: klExplorer, attribute: attributeExplorer };

  function bringToLife(element) {
    const kind = KINDS[element.dataset.kind];
    if (!kind) {
      console.error("explorer: unknown kind " + element.dataset.kind);
      return;
    }
    kind(element, JSON.parse(element.dataset.config));
  }

  // An explorer starts (and its page loads the runtime) only once the reader scrolls near it.
  function start() {
    const elements = document.querySelectorAll(".course-explorer");
    if (!("IntersectionObserver" in window)) {
      elements.forEach(bringToLife);
      return;
    }
    const observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        bringToLife(entry.target);
      });
    }, { rootMargin: "300px" });
    elements.forEach(function (element) { observer.observe(element); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
