/* The officer app offline (docs/field-app.md): the service worker, "离线同步", and the
   outbox. Progressive enhancement: without IndexedDB, WebCrypto or a service worker the forms post
   as before.

   Outbox: a form marked data-outbox (the inspection form; any form that posts a case action with
   its expected version) is saved on the device first — its fields, the case version it was filled
   against, and its photos/videos as the original files with the SHA-256 computed here — and then
   sent: each file to the case's evidence (large ones and videos by resumable tus upload), then the
   form with the evidence hashes and the header X-Outbox: 1, which makes the server answer JSON.
   An item stays until the server has taken it. A 409 stale_version (the case moved on meanwhile)
   is shown with both versions — what was entered and the case now — and waits for the officer to
   resend it on top of the new version or discard it; nothing is overwritten or dropped silently. */
(function () {
  "use strict";

  if (!window.indexedDB || !window.fetch || !window.Promise) { return; }
  var SUBTLE = window.crypto && window.crypto.subtle;
  var PAGES = "enforce-pages";
  var SYNC_KEY = "enforce.sync";
  var TUS_FROM = 8 * 1024 * 1024;  // larger files, and every video, go by resumable upload
  var CHUNK = 8 * 1024 * 1024;     // below the server's upload_chunk_max_bytes
  var me = document.body.getAttribute("data-officer") || "";
  var flushing = false;

  /* --- IndexedDB ------------------------------------------------------------------------------ */
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open("enforce-outbox", 1);
        open.onupgradeneeded = function () { open.result.createObjectStore("items", { keyPath: "id", autoIncrement: true }); };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function store(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction("items", mode);
        var request = work(tx.objectStore("items"));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function allItems() { return store("readonly", function (s) { return s.getAll(); }); }
  function putItem(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function dropItem(id) { return store("readwrite", function (s) { return s.delete(id); }); }

  /* --- helpers -------------------------------------------------------------------------------- */
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }  // never markup
    return node;
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function sha256(file) {
    return file.arrayBuffer().then(function (bytes) { return SUBTLE.digest("SHA-256", bytes); }).then(hex);
  }
  function when(iso) {
    var d = new Date(iso);
    function two(n) { return ("0" + n).slice(-2); }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function csrfOf(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function labelOf(control) {
    if (control.labels && control.labels.length) { return control.labels[0].textContent.replace(/\s+/g, " ").trim(); }
    return control.name;
  }
  function legendOf(control) {
    var set = control.closest("fieldset");
    var legend = set && set.querySelector("legend");
    return legend ? legend.childNodes[0].textContent.trim() : labelOf(control);
  }

  /* What the officer entered, as lines to show later (labels as the form shows them). */
  function readable(form) {
    var lines = [];
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!c.name || c.type === "hidden" || c.type === "file" || c.type === "submit" || c.disabled) { return; }
      if (c.type === "checkbox" || c.type === "radio") {
        var span = c.labels && c.labels.length && c.labels[0].querySelector("span");
        var option = span && span.firstChild ? span.firstChild.textContent.trim() : labelOf(c);
        if (c.checked && c.name !== "share_position") { lines.push([legendOf(c), option]); }
      } else if (c.tagName === "SELECT") {
        if (c.value) { lines.push([labelOf(c), c.options[c.selectedIndex].textContent.trim()]); }
      } else if (c.value && c.value.trim()) {
        lines.push([labelOf(c).replace("*", ""), c.value.trim()]);
      }
    });
    var merged = [];
    lines.forEach(function (l) {
      var last = merged[merged.length - 1];
      if (last && last[0] === l[0]) { last[1] += "、" + l[1]; } else { merged.push([l[0], l[1]]); }
    });
    return merged;
  }

  function position(form) {
    var box = form.querySelector("input[name=share_position]");
    if (!box || !box.checked || !navigator.geolocation) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy });
      }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  /* --- saving a form into the outbox ---------------------------------------------------------- */
  function capture(form) {
    var fields = [];
    var files = [];
    var data = new FormData(form);
    data.forEach(function (value, name) {
      if (name === "share_position") { return; }
      if (typeof value === "string") { fields.push([name, value]); }
    });
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      Array.prototype.forEach.call(input.files || [], function (f) { files.push(f); });
    });
    var version = form.querySelector("input[name=version]");
    var heading = document.querySelector(".case-hero h1");
    var number = document.querySelector(".case-hero .case-no");
    var deviceTime = new Date().toISOString();
    return Promise.all([Promise.all(files.map(sha256)), position(form)]).then(function (done) {
      return {
        officer: me, url: form.getAttribute("action"), caseId: (form.getAttribute("action").match(/\/cases\/(\d+)/) || [])[1],
        caseLabel: ((number ? number.textContent : "") + " " + (heading ? heading.textContent : "")).trim(),
        actionLabel: form.getAttribute("data-outbox") || "办案记录", version: version ? Number(version.value) : null,
        csrf: csrfOf(form), fields: fields, entered: readable(form), created: deviceTime, state: "pending", message: "",
        position: done[1],
        files: files.map(function (f, i) {
          return { blob: f, name: f.name, type: f.type, size: f.size, sha256: done[0][i], deviceTime: deviceTime, sent: false };
        })
      };
    });
  }

  function hidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = String(value);
    input.setAttribute("data-added", "1");
    form.appendChild(input);
  }

  function needsOutbox(form) {
    if (!navigator.onLine) { return true; }
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return Array.prototype.some.call(input.files || [], function (f) { return f.size > TUS_FROM || /^video\//.test(f.type); });
    });
  }

  /* Offline (or with a video): into the outbox, sent from here. Online: the form posts as usual, with
     the photos' SHA-256, the device time and position added, and a draft copy kept on the device in
     case the network drops during the post (the service worker then brings the officer back to the
     case with ?unsent=…, and the draft becomes a pending item). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]") || !SUBTLE) { return; }
    if (form.getAttribute("data-enhanced") === "1") { return; }  // the second, real submission
    event.preventDefault();  // capture phase: the page's other submit handlers see it handled
    var button = form.querySelector("button[type=submit]");
    var label = button ? button.textContent : "";
    var outbox = needsOutbox(form);
    if (button) { button.disabled = true; button.textContent = outbox ? "正在保存到本机…" : "正在核验照片…"; }
    capture(form).then(function (item) {
      if (!outbox) {
        item.state = "draft";
        return putItem(item).then(function () {
          Array.prototype.forEach.call(form.querySelectorAll("[data-added]"), function (n) { n.remove(); });
          item.files.forEach(function (f) { hidden(form, "photo_sha256", f.sha256); });
          hidden(form, "device_time", item.created);
          if (item.position) {
            hidden(form, "latitude", item.position.latitude);
            hidden(form, "longitude", item.position.longitude);
            hidden(form, "accuracy", item.position.accuracy);
          }
          form.setAttribute("data-enhanced", "1");
          if (button) { button.disabled = false; button.textContent = label; }
          if (form.requestSubmit) { form.requestSubmit(button || undefined); } else { form.submit(); }
        });
      }
      return putItem(item).then(function () {
        form.reset();
        var preview = form.querySelector(".photo-preview");
        if (preview) { preview.innerHTML = ""; }
        var details = form.closest("details");
        if (details) { details.open = false; }
        if (button) { button.disabled = false; button.textContent = label; }
        return render().then(function () { if (navigator.onLine) { return flush(); } });
      });
    }).catch(function (err) {
      if (button) { button.disabled = false; button.textContent = label; }
      window.alert("未能保存到本机：" + (err && err.message ? err.message : "存储空间不足或浏览器不支持"));
    });
  }, true);

  /* After a post: the server's answer settles the draft; the worker's ?unsent=… makes it pending. */
  function settleDrafts() {
    var path = location.pathname.match(/^\/cases\/(\d+)(?:\/actions\/(\w+))?$/);
    var params = new URLSearchParams(location.search);
    var unsent = params.get("unsent");
    var answered = path && (path[2] || params.get("done"));
    return allItems().then(function (items) {
      var drafts = items.filter(function (i) { return i.state === "draft"; });
      return Promise.all(drafts.map(function (item) {
        var here = path && item.caseId === path[1];
        if (here && unsent) {
          item.state = "pending";
          note("网络中断：刚才的" + item.actionLabel + "未能送达服务器，已保存在本机，联网后自动发送。");
          return putItem(item);
        }
        if (here && answered) { return dropItem(item.id); }  // the server took it or answered with the reason
        if (Date.now() - new Date(item.created).getTime() > 2 * 60 * 1000) {
          item.state = "pending";  // a post that never came back: sent again (a duplicate shows as a conflict)
          return putItem(item);
        }
      }));
    });
  }

  /* --- sending -------------------------------------------------------------------------------- */
  function NetworkDown() { this.network = true; }

  function freshToken() {
    return fetch("/offline/sync", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (body) { return body ? body.csrf_token : null; });
  }

  function answer(response) {
    var kind = response.headers.get("content-type") || "";
    if (response.redirected && new URL(response.url).pathname === "/login") { return { login: true }; }
    if (kind.indexOf("application/json") === 0) {
      return response.json().then(function (body) { body.status = response.status; return body; });
    }
    return { status: response.status, ok: false, html: true,
             message: response.status === 403 ? "页面已过期（安全校验未通过）" : "服务器未受理（" + response.status + "）" };
  }

  function post(url, data) {
    return fetch(url, { method: "POST", body: data, credentials: "same-origin",
                        headers: { "X-Outbox": "1", Accept: "application/json" } })
      .catch(function () { throw new NetworkDown(); }).then(answer);
  }

  function sendSmall(item, file) {
    var data = new FormData();
    data.append("csrf_token", item.csrf);
    data.append("file", file.blob, file.name);
    data.append("sha256", file.sha256);
    data.append("device_time", file.deviceTime);
    if (item.position) {
      data.append("latitude", item.position.latitude);
      data.append("longitude", item.position.longitude);
      data.append("accuracy", item.position.accuracy);
    }
    return post("/cases/" + item.caseId + "/evidence", data);
  }

  function sendLarge(item, file) {
    if (!window.tus || !window.tus.isSupported) {
      return Promise.resolve({ ok: false, status: 415, message: "此浏览器不支持分段续传，无法上传视频" });
    }
    var meta = { case_id: String(item.caseId), filename: file.name, filetype: file.type || "application/octet-stream",
                 sha256: file.sha256, device_time: file.deviceTime };
    if (item.position) {
      meta.latitude = String(item.position.latitude);
      meta.longitude = String(item.position.longitude);
      meta.accuracy = String(item.position.accuracy);
    }
    return new Promise(function (resolve, reject) {
      var upload = new window.tus.Upload(file.blob, {
        endpoint: "/api/v1/uploads", chunkSize: CHUNK, retryDelays: [0, 1000, 3000, 5000], metadata: meta,
        headers: { "X-CSRF-Token": item.csrf }, storeFingerprintForResuming: true, removeFingerprintOnSuccess: true,
        fingerprint: function () { return Promise.resolve("enforce-" + file.sha256 + "-" + item.caseId); },
        onProgress: function (sent, total) { progress(item, file, sent, total); },
        onSuccess: function () { resolve({ ok: true, sha256: file.sha256 }); },
        onError: function (error) {
          var res = error && error.originalResponse;
          if (!res) { reject(new NetworkDown()); return; }
          var body = {};
          try { body = JSON.parse(res.getBody() || "{}"); } catch (e) { body = {}; }
          resolve({ ok: false, status: res.getStatus(), code: body.code, message: body.message || "视频上传未受理" });
        }
      });
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
        upload.start();
      });
    });
  }

  function progress(item, file, sent, total) {
    var bar = document.querySelector('[data-progress="' + item.id + '-' + file.sha256 + '"]');
    if (bar) { bar.value = total ? Math.round(100 * sent / total) : 0; }
  }

  function sendFiles(item, index) {
    if (index >= item.files.length) { return Promise.resolve(true); }
    var file = item.files[index];
    if (file.sent) { return sendFiles(item, index + 1); }
    var large = file.size > TUS_FROM || /^video\//.test(file.type);
    return (large ? sendLarge(item, file) : sendSmall(item, file)).then(function (got) {
      if (got.login) { item.state = "login"; return false; }
      if (!got.ok) {
        item.state = "refused";
        item.message = "照片/视频“" + file.name + "”未能上传：" + (got.message || "服务器未受理");
        return false;
      }
      file.sent = true;
      return putItem(item).then(function () { return sendFiles(item, index + 1); });
    });
  }

  function sendForm(item, retried) {
    var data = new FormData();
    item.fields.forEach(function (f) {
      if (f[0] === "csrf_token") { data.append(f[0], item.csrf); }
      else if (f[0] === "version") { data.append(f[0], String(item.version)); }
      else { data.append(f[0], f[1]); }
    });
    item.files.forEach(function (f) { data.append("evidence", f.sha256); });
    return post(item.url, data).then(function (got) {
      if (got.login) { item.state = "login"; item.message = "登录已过期"; return null; }
      if (got.html && got.status === 403 && !retried) {
        return freshToken().then(function (token) {
          if (!token) { item.state = "login"; return null; }
          item.csrf = token;
          return sendForm(item, true);
        });
      }
      if (got.ok) { return got; }
      if (got.code === "stale_version") {
        item.state = "conflict";
        item.message = got.message;
        item.current = got.current;
        item.caseNow = got.case_now;
      } else {
        item.state = "refused";
        item.message = got.message || "服务器未受理";
      }
      return null;
    });
  }

  function sendOne(item) {
    item.state = "sending";
    return putItem(item).then(function () { return render(); }).then(function () {
      return sendFiles(item, 0);
    }).then(function (filesDone) {
      if (!filesDone) { return putItem(item).then(function () { return null; }); }
      return sendForm(item, false).then(function (got) {
        if (got) { return dropItem(item.id).then(function () { return got; }); }
        return putItem(item).then(function () { return null; });
      });
    }).catch(function (err) {
      item.state = "pending";
      return putItem(item).then(function () { if (err && err.network) { throw err; } throw err; });
    });
  }

  function flush() {
    if (flushing || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    var navigateTo = null;
    return allItems().then(function (items) {
      var mine = items.filter(function (i) { return (i.state === "pending" || i.state === "sending") && (!me || i.officer === me); });
      return mine.reduce(function (chain, item) {
        return chain.then(function () {
          return sendOne(item).then(function (got) {
            if (got && got.redirect && location.pathname === "/cases/" + item.caseId) { navigateTo = got.redirect; }
            if (got) { note("已发送：" + item.caseLabel + " · " + item.actionLabel); }
          });
        });
      }, Promise.resolve());
    }).catch(function (err) {
      if (!(err && err.network)) { throw err; }
    }).then(function () {
      flushing = false;
      if (navigateTo) { location.assign(navigateTo); return; }
      return render();
    }, function () { flushing = false; return render(); });
  }

  /* --- the outbox panel ----------------------------------------------------------------------- */
  var panel = null;
  function ensurePanel() {
    if (!panel) {
      panel = el("section", "outbox card");
      panel.id = "outbox";
      panel.setAttribute("aria-live", "polite");
      panel.setAttribute("aria-label", "本机待发送记录");
      var main = document.getElementById("main");
      if (main) { main.insertBefore(panel, main.firstChild); }
    }
    return panel;
  }
  var lastNote = "";
  function note(text) { lastNote = text; }

  function lineList(pairs) {
    var dl = el("dl", "facts");
    pairs.forEach(function (p) { dl.appendChild(el("dt", "", p[0])); dl.appendChild(el("dd", "", p[1])); });
    return dl;
  }

  function conflictView(item) {
    var box = el("div", "conflict");
    var mine = el("div", "conflict-side");
    mine.appendChild(el("h3", "", "您填写的内容（按第" + item.version + "版填写，" + when(item.created) + "保存）"));
    mine.appendChild(lineList(item.entered.concat(item.files.length ? [["照片/视频", item.files.map(function (f) { return f.name; }).join("、")]] : [])));
    var now = el("div", "conflict-side");
    var c = item.caseNow || {};
    now.appendChild(el("h3", "", "案件现在（第" + (item.current || c.version || "?") + "版）"));
    var facts = [["状态", c.state_label || "—"]];
    if (c.penalty_step_label) { facts.push(["处罚程序", c.penalty_step_label]); }
    facts.push(["检查记录", (c.inspections || 0) + "次"]);
    now.appendChild(lineList(facts));
    var recent = el("ol", "timeline");
    (c.recent || []).forEach(function (r) {
      var li = el("li");
      li.appendChild(el("div", "when", when(r.when) + " · " + r.who));
      li.appendChild(el("div", "what", r.what));
      if (r.detail) { li.appendChild(el("div", "detail", r.detail)); }
      recent.appendChild(li);
    });
    now.appendChild(el("p", "section-title", "最近的办案记录"));
    now.appendChild(recent);
    box.appendChild(mine);
    box.appendChild(now);
    return box;
  }

  function button(label, cls, action) {
    var b = el("button", "btn btn-small " + cls, label);
    b.type = "button";
    b.addEventListener("click", action);
    return b;
  }

  function itemView(item) {
    var row = el("article", "outbox-item outbox-" + item.state);
    var head = el("div", "case-top");
    head.appendChild(el("strong", "", item.caseLabel || ("案件 " + item.caseId)));
    head.appendChild(el("span", "badge " + ({ pending: "badge-warn", sending: "badge-outline", conflict: "badge-solid-danger",
                                               refused: "badge-danger", login: "badge-warn" }[item.state] || "badge-muted"),
                        { pending: "待发送", sending: "发送中", conflict: "提交冲突", refused: "未受理", login: "需重新登录" }[item.state]));
    row.appendChild(head);
    row.appendChild(el("p", "small muted", item.actionLabel + " · " + when(item.created) + "保存在本机" +
                       (item.files.length ? " · " + item.files.length + "个照片/视频（原文件，已计算 SHA-256）" : "") +
                       (item.position ? " · 已记录位置" : "")));
    item.files.forEach(function (f) {
      if (!f.sent && (f.size > TUS_FROM || /^video\//.test(f.type))) {
        var bar = el("progress");
        bar.max = 100; bar.value = 0;
        bar.setAttribute("data-progress", item.id + "-" + f.sha256);
        bar.setAttribute("aria-label", "上传进度：" + f.name);
        row.appendChild(bar);
      }
    });
    var actions = el("div", "actions");
    if (item.state === "conflict") {
      row.appendChild(el("p", "", "提交未生效：您离线填写期间，本案已被他人更新。请对照下面两个版本，决定是否在最新版本上重新提交。"));
      row.appendChild(conflictView(item));
      actions.appendChild(button("在最新版本上重新提交", "btn-primary", function () {
        item.version = item.current || (item.caseNow && item.caseNow.version);
        item.state = "pending";
        item.message = "";
        putItem(item).then(flush);
      }));
    } else if (item.state === "refused") {
      row.appendChild(el("p", "field-error", item.message));
    } else if (item.state === "login") {
      var link = el("a", "", "登录已过期：请重新登录，登录后自动发送");
      link.href = "/login?next=" + encodeURIComponent(location.pathname);
      row.appendChild(link);
    } else if (item.state === "pending") {
      row.appendChild(el("p", "small", navigator.onLine ? "正在等待发送…" : "当前离线，联网后自动发送。"));
    }
    if (item.state !== "sending") {
      actions.appendChild(button("放弃此记录", "btn-ghost", function () {
        if (window.confirm("放弃后，这条在本机保存的记录将被删除，不会发送。确定放弃？")) {
          dropItem(item.id).then(render);
        }
      }));
    }
    row.appendChild(actions);
    return row;
  }

  function render() {
    return allItems().then(function (items) {
      var mine = items.filter(function (i) { return (!me || i.officer === me) && i.state !== "draft"; });
      var offline = !navigator.onLine;
      document.body.classList.toggle("is-offline", offline);
      if (!mine.length && !offline && !lastNote) {
        if (panel) { panel.hidden = true; panel.innerHTML = ""; }
        return;
      }
      var box = ensurePanel();
      box.hidden = false;
      box.innerHTML = "";
      if (offline) {
        box.appendChild(el("p", "offline-banner", "当前离线：显示的是本机同步的内容；填写的记录保存在本机，联网后自动发送。"));
      }
      if (lastNote) { box.appendChild(el("p", "alert alert-ok", lastNote)); }
      if (mine.length) {
        box.appendChild(el("h2", "", "本机待发送 " + mine.length + " 项"));
        mine.forEach(function (item) { box.appendChild(itemView(item)); });
      }
    });
  }

  /* --- 离线同步 ------------------------------------------------------------------------------- */
  function syncStatus(text) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sync-status]"), function (s) { s.textContent = text; });
  }
  function lastSync() {
    try { return JSON.parse(localStorage.getItem(SYNC_KEY) || "null"); } catch (e) { return null; }
  }
  function showLastSync() {
    var last = lastSync();
    if (last && last.officer === me) { syncStatus("已同步 " + last.count + " 页 · " + when(last.at)); }
  }

  function sync() {
    if (!window.caches || !navigator.onLine) { return Promise.resolve(); }
    syncStatus("正在同步…");
    return fetch("/offline/sync", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("sync"); } return r.json(); })
      .then(function (list) {
        return caches.open(PAGES).then(function (cache) {
          var queue = list.urls.slice();
          var got = [];
          function one(url) {
            return fetch(url, { credentials: "same-origin" }).then(function (r) {
              if (r.ok && !(r.redirected && new URL(r.url).pathname === "/login")) { return cache.put(url, r).then(function () { return 1; }); }
              return 0;
            }).catch(function () { return 0; });
          }
          function worker() {  // three at a time: a weak network and the server both prefer it
            var url = queue.shift();
            if (url === undefined) { return Promise.resolve(); }
            return one(url).then(function (n) { got.push(n); return worker(); });
          }
          return Promise.all([worker(), worker(), worker()]).then(function () { return got; });
        }).then(function (got) {
          var count = got.reduce(function (a, b) { return a + b; }, 0);
          localStorage.setItem(SYNC_KEY, JSON.stringify({ officer: String(list.officer_id), at: new Date().toISOString(), count: count }));
          showLastSync();
        });
      }).catch(function () { syncStatus("同步未完成（网络不稳定），稍后重试"); });
  }

  function autoSync() {
    var last = lastSync();
    var stale = !last || last.officer !== me || (Date.now() - new Date(last.at).getTime()) > 30 * 60 * 1000;
    if (me && stale) { return sync(); }
    showLastSync();
    return Promise.resolve();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-offline-sync]"), function (b) {
    b.hidden = !window.caches;
    b.addEventListener("click", function () { sync(); });
  });

  /* Signing out: the pages kept for offline use leave the device with the session. */
  Array.prototype.forEach.call(document.querySelectorAll("form[action='/logout']"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.caches) { return; }
      event.preventDefault();
      allItems().then(function (items) {
        var waiting = items.filter(function (i) { return i.officer === me; }).length;
        if (waiting && !window.confirm("本机还有 " + waiting + " 条记录未发送，退出后须重新登录才能发送。确定退出？")) { return; }
        localStorage.removeItem(SYNC_KEY);
        return caches.delete(PAGES).then(function () { form.submit(); });
      });
    });
  });

  window.addEventListener("online", function () { render().then(flush); });
  window.addEventListener("offline", render);

  if (navigator.serviceWorker && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () { if (navigator.onLine) { return autoSync(); } }).catch(function () { /* pages still work online */ });
  }
  settleDrafts().then(render).then(function () { if (navigator.onLine) { return flush(); } });
  window.enforceOutbox = { flush: flush, sync: sync, items: allItems };  // for the browser tests and the console
})();
