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

  /* Form checks in Chinese (every form is `novalidate`: no browser bubbles in the browser's language).
     The server checks everything again; this only saves a round trip. */
  var DATE_RE = /^\s*(\d{4})\s*(?:[-\/.年]\s*(\d{1,2})\s*[-\/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))\s*$/;
  function parseDate(text) {
    var m = DATE_RE.exec(text || "");
    if (!m) { return null; }
    var y = +m[1], mo = +(m[2] || m[4]), d = +(m[3] || m[5]);
    var dt = new Date(y, mo - 1, d);
    if (dt.getFullYear() !== y || dt.getMonth() !== mo - 1 || dt.getDate() !== d) { return null; }
    return y + "-" + (mo < 10 ? "0" : "") + mo + "-" + (d < 10 ? "0" : "") + d;
  }
  function cnDate(iso) {
    var p = iso.split("-");
    return (+p[0]) + "年" + (+p[1]) + "月" + (+p[2]) + "日";
  }
  function problem(el) {
    var value = (el.value || "").trim();
    if (el.disabled || el.closest("[hidden]")) { return ""; }
    if (el.type === "radio" || el.type === "checkbox") {
      if (!el.required) { return ""; }
      var group = el.form ? el.form.querySelectorAll('input[name="' + el.name + '"]') : [el];
      return Array.prototype.some.call(group, function (g) { return g.checked; }) ? "" : "请选择一项";
    }
    if (!value) {
      if (!el.required) { return ""; }
      if (el.tagName === "SELECT") { return "请选择此项"; }
      if (el.type === "file") { return "请选择文件"; }
      return "请填写此项";
    }
    if (el.hasAttribute("data-date")) {
      var iso = parseDate(value);
      if (!iso) { return "请按“年-月-日”填写日期，如 2026-03-16"; }
      if (el.dataset.max && iso > el.dataset.max) { return "不能晚于" + cnDate(el.dataset.max); }
      if (el.dataset.min && iso < el.dataset.min) { return "不能早于" + cnDate(el.dataset.min); }
      el.value = iso;
      return "";
    }
    if (el.type === "number") {
      var n = Number(value);
      if (!isFinite(n)) { return "请填写数字"; }
      if (el.min !== "" && n < Number(el.min)) { return "不能小于" + el.min; }
      if (el.max !== "" && n > Number(el.max)) { return "不能大于" + el.max; }
    }
    if (el.maxLength > 0 && value.length > el.maxLength) { return "最多" + el.maxLength + "个字"; }
    return "";
  }
  function showProblem(el, message) {
    var holder = el.closest(".field, fieldset") || el.parentNode;
    var out = holder.querySelector(".js-error");
    if (!message) {
      if (out) { out.remove(); }
      if (el.dataset.jsInvalid) { el.removeAttribute("aria-invalid"); delete el.dataset.jsInvalid; }
      return;
    }
    if (!out) {
      out = document.createElement("span");
      out.className = "field-error js-error";
      out.setAttribute("role", "alert");
      holder.appendChild(out);
    }
    out.textContent = message;
    el.setAttribute("aria-invalid", "true");
    el.dataset.jsInvalid = "1";
  }
  each("form:not([data-server-checks])", function (form) {  /* login, report: the server's messages in place */
    form.addEventListener("submit", function (event) {
      var first = null;
      each("input, select, textarea", function (el) {
        if (el.type === "hidden" || el.type === "submit") { return; }
        var message = problem(el);
        showProblem(el, message);
        if (message && !first) { first = el; }
      }, form);
      if (first) {
        event.preventDefault();
        event.stopImmediatePropagation();
        first.focus();
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target.dataset && event.target.dataset.jsInvalid) { showProblem(event.target, problem(event.target)); }
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

  /* Photos and videos from the phone: previews only. The files are sent as they are — never
     scaled or re-encoded in the browser, so the bytes (and their EXIF) are the phone's own. */
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
        } else if (preview) {
          var tag = document.createElement("span");
          tag.className = "ph doc-icon";
          tag.textContent = /^video\//.test(file.type) ? "视频" : "文件";
          tag.title = file.name;
          preview.appendChild(tag);
        }
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
      var narrow = window.innerWidth < 600;  /* a phone: slanted labels rather than overlapping ones */
      var categoryAxis = { grid: { display: false }, ticks: { autoSkip: false, maxRotation: narrow && !spec.horizontal ? 60 : 0 } };
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
