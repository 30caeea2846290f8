/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* "返回上一页" */
  each("[data-back]", function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });

  /* Confirm irreversible actions. */
  each("form[data-confirm]", function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  /* One submission per click: the button shows that the request is on its way. */
  each("form", function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      if (form.dataset.sending === "1") { event.preventDefault(); return; }
      form.dataset.sending = "1";
      each("button[type=submit]", function (button) {
        button.setAttribute("aria-busy", "true");
        button.dataset.label = button.textContent;
        button.textContent = "提交中…";
      }, form);
      window.setTimeout(function () {
        form.dataset.sending = "";
        each("button[type=submit]", function (button) {
          if (button.dataset.label) { button.textContent = button.dataset.label; }
          button.removeAttribute("aria-busy");
        }, form);
      }, 8000);
    });
  });

  /* Selects that apply a filter at once. */
  each("select[data-autosubmit]", function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  /* Photos from the phone camera: previews, and large photos scaled down (longest side 1920 px)
     before upload, so a handful of phone photos stays well under the upload limit. */
  var MAX_SIDE = 1920;
  function scaleDown(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size < 900 * 1024 || !window.createImageBitmap) {
        resolve(file); return;
      }
      window.createImageBitmap(file).then(function (bitmap) {
        var ratio = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        if (ratio === 1 && file.size < 4 * 1024 * 1024) { resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * ratio);
        canvas.height = Math.round(bitmap.height * ratio);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      }).catch(function () { resolve(file); });
    });
  }
  each("input[type=file][data-photos]", function (input) {
    var preview = document.getElementById(input.getAttribute("data-photos"));
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (preview) { preview.innerHTML = ""; }
      files.forEach(function (file) {
        if (preview && /^image\//.test(file.type)) {
          var img = document.createElement("img");
          img.alt = "待上传照片：" + file.name;
          img.src = URL.createObjectURL(file);
          preview.appendChild(img);
        }
      });
      if (!window.DataTransfer || !files.length) { return; }
      Promise.all(files.map(scaleDown)).then(function (scaled) {
        try {
          var transfer = new DataTransfer();
          scaled.forEach(function (f) { transfer.items.add(f); });
          input.files = transfer.files;
        } catch (e) { /* keep the originals */ }
      });
    });
  });

  /* The count of chosen files next to the picker button. */
  each("input[type=file]", function (input) {
    var out = document.querySelector('[data-count-for="' + input.id + '"]');
    if (!out) { return; }
    var empty = out.textContent;
    input.addEventListener("change", function () {
      var files = input.files || [];
      if (!files.length) { out.textContent = empty; return; }
      out.textContent = files.length === 1 ? "已选择：" + files[0].name : "已选择 " + files.length + " 个文件";
      if (input.accept && input.accept.indexOf("image") === 0) { out.textContent = "已选择 " + files.length + " 张照片"; }
    });
  });

  /* Anonymous complaint: the name and phone fields are not sent. */
  each("input[data-anonymous]", function (box) {
    var target = document.getElementById(box.getAttribute("data-anonymous"));
    function sync() {
      if (!target) { return; }
      target.hidden = box.checked;
      each("input", function (i) { i.disabled = box.checked; }, target);
    }
    box.addEventListener("change", sync);
    sync();
  });

  /* Copy the tracking code. */
  each("[data-copy]", function (button) {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = "已复制";
      });
    });
  });

  /* Statistics charts (Chart.js, shipped in /static/vendor). The tables next to them hold the same figures. */
  var PALETTE = ["#1d5bb8", "#e8710a", "#15803d", "#b3261e", "#7b3fb3", "#0f7c8c"];
  function drawCharts() {
    if (!window.Chart) { return; }
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.size = 13;
    window.Chart.defaults.color = "#3d4756";
    each("canvas[data-chart]", function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var line = spec.type === "line";
      var valueAxis = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#e6e9ef" } };
      var categoryAxis = { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0 } };
      new window.Chart(canvas, {
        type: line ? "line" : "bar",
        data: {
          labels: spec.labels,
          datasets: spec.series.map(function (s, i) {
            var colour = PALETTE[(spec.series.length === 1 ? 0 : i) % PALETTE.length];
            return { label: s.label, data: s.data, backgroundColor: colour, borderColor: colour, borderRadius: 4,
                     maxBarThickness: 34, tension: 0, pointRadius: 3, borderWidth: line ? 2 : 0 };
          })
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          indexAxis: spec.horizontal ? "y" : "x",
          plugins: { legend: { display: spec.series.length > 1, position: "bottom", labels: { boxWidth: 12, padding: 14 } } },
          scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", drawCharts);

  /* A link to one action's form (…#act-legal_review) opens it. */
  if (window.location.hash.indexOf("#act-") === 0) {
    var target = document.getElementById(window.location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }

  /* 打印 buttons (the print style sheet hides the menus and forms). */
  each("[data-print]", function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  /* "全选" for the board's bulk assignment. */
  each("[data-check-all]", function (box) {
    box.addEventListener("change", function () {
      each("input[name='" + box.getAttribute("data-check-all") + "']", function (item) {
        if (!item.disabled) { item.checked = box.checked; }
      });
    });
  });
})();
