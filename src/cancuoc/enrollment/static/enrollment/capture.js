/* The capture page (enrollment/views_capture.py): keyboard first, every step checked at once.
 *
 * Search: 12 digits open the record as soon as they are typed; a name searches after a pause; ↓/↑ move
 * through the list, Enter opens. Portrait: the camera starts when a citizen is open; Space or Enter on the
 * focused "take the photo" button shoots (without a camera it opens the file picker); every image is sent
 * to the check endpoint and each failed check is listed, and only then may an override reason be typed.
 * Fingerprints: a file per slot, several files at once, or dropped files; each is checked. Ctrl+Enter
 * submits; after a refusal only the messages change (the images stay); Esc after a submit starts the
 * next citizen; F2 goes back to the search box. No inline script or style: the site's CSP forbids them.
 */
(function () {
  "use strict";

  var root = document.getElementById("capture");
  if (!root) return;
  var stream = null;
  var cameras = [];
  var cameraId = "";
  var searchTimer = null;
  var lastSearch = "";

  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function $all(selector, scope) { return Array.prototype.slice.call((scope || document).querySelectorAll(selector)); }
  function csrf() {
    var input = $("#capture-form [name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function text(tag, className, content, lang) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (lang) node.lang = lang;
    node.textContent = content;
    return node;
  }
  function bilingualItem(className, vi, en) {
    var item = document.createElement("li");
    item.className = className;
    item.appendChild(text("span", "", vi, "vi"));
    item.appendChild(document.createElement("br"));
    item.appendChild(text("span", "muted", en, "en"));
    return item;
  }
  function setFiles(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
  }

  // -- 1. find the citizen ---------------------------------------------------------------------------
  var searchForm = $("#cap-search");
  var query = $("#cap-q");
  var year = $("#cap-year");

  function loadedId() {
    var citizen = $("#citizen .cap-citizen");
    return citizen ? citizen.getAttribute("data-id-number") : "";
  }

  function search(now) {
    clearTimeout(searchTimer);
    var typed = query.value.trim();
    var key = typed + "|" + year.value.trim();
    if (key === lastSearch) return;
    if (/^\d{12}$/.test(typed) && typed === loadedId()) return;
    var run = function () {
      lastSearch = key;
      // a new search is for another citizen: the previous one's form goes, so nothing is captured for the
      // wrong person while the answer is on its way
      if (loadedId() && typed !== loadedId()) $("#citizen").innerHTML = "";
      searchForm.requestSubmit();
    };
    if (now) run(); else searchTimer = setTimeout(run, 350);
  }

  query.addEventListener("input", function () {
    var typed = query.value.trim();
    if (/^\d{12}$/.test(typed)) search(true); // a whole number: straight to the record
    else if (/^\d{1,11}$/.test(typed)) clearTimeout(searchTimer); // still typing a number
    else if (typed.length >= 2) search(false);
  });
  year.addEventListener("input", function () {
    if (year.value.length === 4 && query.value.trim().length >= 2) search(true);
  });
  searchForm.addEventListener("submit", function () {
    lastSearch = query.value.trim() + "|" + year.value.trim();
    clearTimeout(searchTimer);
  });

  function hits() { return $all("#cap-results .cap-hit"); }
  [query, year].forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && hits().length) {
        event.preventDefault();
        hits()[0].focus();
      }
    });
  });
  $("#cap-results").addEventListener("keydown", function (event) {
    var list = hits();
    var at = list.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === "ArrowDown" && at < list.length - 1) { event.preventDefault(); list[at + 1].focus(); }
    else if (event.key === "ArrowUp") { event.preventDefault(); (at ? list[at - 1] : query).focus(); }
    else if (event.key === " ") { event.preventDefault(); list[at].click(); }
  });

  // -- 4. portrait -----------------------------------------------------------------------------------
  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  function startCamera() {
    var video = $("#cap-video");
    var state = $("#cap-camera-state");
    if (!video) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      state.textContent = state.getAttribute("data-none") || "—";
      return;
    }
    // on a phone the officer photographs the citizen: the rear camera when there is one
    var videoConstraints = { width: { ideal: 1280 }, height: { ideal: 960 } };
    if (cameraId) videoConstraints.deviceId = { exact: cameraId };
    else videoConstraints.facingMode = { ideal: "environment" };
    var ready = stream ? Promise.resolve(stream)
      : navigator.mediaDevices.getUserMedia({ audio: false, video: videoConstraints });
    ready.then(function (media) {
      stream = media;
      // ready once a picture is on the screen: at "loadedmetadata" the size is known but the first frame may not
      // be decoded yet, and a shot taken then is a black image (the portrait check finds no face)
      video.addEventListener("loadeddata", function () {
        var ready = function () { root.setAttribute("data-camera", "ready"); };
        if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(ready);
        else ready();
      }, { once: true });
      video.srcObject = media;
      video.hidden = false;
      state.hidden = true;
      root.classList.add("cap-has-camera");
      return navigator.mediaDevices.enumerateDevices().then(function (devices) {
        cameras = devices.filter(function (device) { return device.kind === "videoinput"; });
        var toggle = $("#cap-switch");
        if (toggle) toggle.hidden = cameras.length < 2;
      });
    }).catch(function () {
      state.textContent = state.getAttribute("data-none") || "—";
    });
  }

  function switchCamera() {
    if (cameras.length < 2) return;
    var current = stream && stream.getVideoTracks()[0] && stream.getVideoTracks()[0].getSettings().deviceId;
    var at = cameras.findIndex(function (device) { return device.deviceId === current; });
    cameraId = cameras[(at + 1) % cameras.length].deviceId;
    stopCamera();
    root.removeAttribute("data-camera");
    startCamera();
  }

  function shoot() {
    var video = $("#cap-video");
    var input = $("#cap-portrait");
    if (!stream || !video || !video.videoWidth) {
      input.click(); // no camera: the file picker instead
      return;
    }
    if (video.readyState < 2) return; // no picture from the camera yet: nothing is shot (press again)
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      var file = new File([blob], "portrait.jpg", { type: "image/jpeg" });
      setFiles(input, [file]);
      portraitChosen(input);
    }, "image/jpeg", 0.92);
  }

  function preview(img, file) {
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(file);
    img.hidden = false;
  }

  function check(url, file) {
    var body = new FormData();
    body.append("image", file);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRFToken": csrf() } })
      .then(function (response) { return response.json(); });
  }

  function portraitChosen(input) {
    var file = input.files[0];
    var list = $("#cap-portrait-checks");
    var override = $("#cap-override");
    $("#err-portrait").replaceChildren();
    if (!file) return;
    preview($("#cap-preview"), file);
    list.replaceChildren(text("li", "muted", list.getAttribute("data-checking") || "…"));
    root.setAttribute("data-portrait", "checking");
    check(root.getAttribute("data-portrait-check"), file).then(function (answer) {
      list.replaceChildren();
      if (!answer.checks) { // refused as a file (too large, not an image)
        list.appendChild(bilingualItem("error", answer.message_vi, answer.message_en));
        override.disabled = true;
        root.setAttribute("data-portrait", "refused");
        return;
      }
      var passed = 0;
      answer.checks.forEach(function (one) {
        if (one.passed) passed += 1;
        else list.appendChild(bilingualItem("error", one.message_vi, one.message_en));
      });
      list.appendChild(text("li", answer.acceptable ? "ok" : "muted",
        (answer.acceptable ? "✓ " : "") + passed + "/" + answer.checks.length + " " + (list.getAttribute("data-passed") || "")));
      override.disabled = answer.acceptable;
      if (answer.acceptable) override.value = "";
      root.setAttribute("data-portrait", answer.acceptable ? "passed" : "failed");
      if (answer.acceptable && document.activeElement === $("#cap-shoot")) nextAfterPortrait().focus();
    }).catch(function () {
      list.replaceChildren(text("li", "error", "✗"));
      root.setAttribute("data-portrait", "error");
    });
  }

  function nextAfterPortrait() {
    var inputs = $all(".cap-finger input[type=file]");
    var empty = inputs.filter(function (input) { return !input.disabled && !input.files.length; });
    if (!empty.length) return $("#cap-submit");
    if (empty.length === inputs.length && $("#cap-ten")) return $("#cap-ten");
    return empty[0];
  }

  // -- 5. fingerprints --------------------------------------------------------------------------------
  function slot(position) { return $(".cap-finger[data-position='" + position + "']"); }

  function fingerChosen(input) {
    var fieldset = input.closest(".cap-finger");
    var file = input.files[0];
    var quality = $(".cap-quality", fieldset);
    var reasons = $(".cap-finger-reasons", fieldset);
    $(".cap-err", fieldset).replaceChildren();
    reasons.replaceChildren();
    fieldset.removeAttribute("data-state");
    if (!file) { quality.textContent = ""; return; }
    preview($(".cap-finger-preview", fieldset), file);
    quality.textContent = "…";
    fieldset.setAttribute("data-state", "checking");
    check(root.getAttribute("data-finger-check"), file).then(function (answer) {
      if (answer.score === undefined) {
        quality.textContent = "✗";
        reasons.appendChild(bilingualItem("error", answer.message_vi, answer.message_en));
        fieldset.setAttribute("data-state", "refused");
        return;
      }
      quality.textContent = (answer.acceptable ? "✓ " : "✗ ") + (quality.getAttribute("data-label") || "") + " " + answer.score + "/100";
      quality.className = "cap-quality " + (answer.acceptable ? "ok" : "error");
      answer.reasons.forEach(function (reason) {
        reasons.appendChild(bilingualItem(answer.acceptable ? "muted" : "error", reason.message_vi, reason.message_en));
      });
      fieldset.setAttribute("data-state", answer.acceptable ? "passed" : "failed");
    }).catch(function () {
      quality.textContent = "✗";
      fieldset.setAttribute("data-state", "error");
    }).then(fingersSettled);
  }

  function fingersSettled() {
    // every slot has a checked print or an exception: said on the page (and waited for by the browser tests)
    var done = $all(".cap-finger").every(function (fieldset) {
      return ["passed", "failed", "refused", "exception"].indexOf(fieldset.getAttribute("data-state")) >= 0;
    });
    if (done) root.setAttribute("data-fingers", "checked"); else root.removeAttribute("data-fingers");
  }

  function fillSlots(files, from) {
    files = Array.prototype.slice.call(files).sort(function (a, b) {
      return a.name.localeCompare(b.name, undefined, { numeric: true });
    });
    var position = from || 1;
    files.forEach(function (file) {
      while (position <= 10 && slot(position) && $("select", slot(position)).value) position += 1; // skip exceptions
      var fieldset = slot(position);
      if (!fieldset) return;
      var input = $("input[type=file]", fieldset);
      setFiles(input, [file]);
      fingerChosen(input);
      position += 1;
    });
  }

  function exceptionChosen(select) {
    var fieldset = select.closest(".cap-finger");
    var input = $("input[type=file]", fieldset);
    input.disabled = !!select.value;
    $(".cap-err", fieldset).replaceChildren();
    if (select.value) {
      setFiles(input, []);
      fingerChosen(input);
      $(".cap-finger-preview", fieldset).hidden = true;
      fieldset.setAttribute("data-state", "exception");
    }
  }

  // -- 6. submit -------------------------------------------------------------------------------------
  function clearErrors() {
    $all("#capture-form .cap-err").forEach(function (node) { node.replaceChildren(); });
  }

  function focusFirstError() {
    var error = $all("#capture-form .cap-err").filter(function (node) { return node.childElementCount; })[0];
    if (!error) return;
    var field = error.closest(".cap-finger, .cap-step");
    var target = field && $("select:not([disabled]), input:not([disabled]):not([type=hidden]), button", field);
    (target || error).focus();
    error.scrollIntoView({ block: "center" });
  }

  // -- wiring: everything inside #citizen is replaced per citizen, so listeners are delegated --------
  var citizen = $("#citizen");
  citizen.addEventListener("click", function (event) {
    if (event.target.closest("#cap-shoot")) { event.preventDefault(); shoot(); }
    else if (event.target.closest("#cap-switch")) { event.preventDefault(); switchCamera(); }
  });
  citizen.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "cap-portrait") portraitChosen(target);
    else if (target.id === "cap-ten") {
      fillSlots(target.files, 1);
      target.value = "";
      nextAfterPortrait().focus();
    }
    else if (target.matches(".cap-finger input[type=file]")) fingerChosen(target);
    else if (target.matches(".cap-finger select")) exceptionChosen(target);
  });
  citizen.addEventListener("toggle", function (event) {
    if (event.target.classList && event.target.classList.contains("cap-correct") && event.target.open) {
      var first = $("input:not([type=hidden]), select", event.target);
      if (first) first.focus();
    }
  }, true);
  citizen.addEventListener("dragover", function (event) {
    if (event.target.closest(".cap-finger, #cap-fingers, .cap-portrait")) {
      event.preventDefault();
      var zone = event.target.closest(".cap-finger");
      if (zone) zone.classList.add("cap-over");
    }
  });
  citizen.addEventListener("dragleave", function (event) {
    var zone = event.target.closest(".cap-finger");
    if (zone) zone.classList.remove("cap-over");
  });
  citizen.addEventListener("drop", function (event) {
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    if (event.target.closest(".cap-portrait")) {
      event.preventDefault();
      setFiles($("#cap-portrait"), [files[0]]);
      portraitChosen($("#cap-portrait"));
      return;
    }
    var zone = event.target.closest(".cap-finger");
    if (!zone && !event.target.closest("#cap-fingers")) return;
    event.preventDefault();
    if (zone) zone.classList.remove("cap-over");
    fillSlots(files, zone ? Number(zone.getAttribute("data-position")) : 1);
  });
  citizen.addEventListener("submit", function (event) {
    if (event.target.id !== "capture-form") return;
    clearErrors();
    // each finger needs a print or an exception: said here, before ten images travel to be refused
    var missing = $all(".cap-finger").filter(function (fieldset) {
      return !$("select", fieldset).value && !$("input[type=file]", fieldset).files.length;
    });
    missing.forEach(function (fieldset) {
      var error = $(".cap-err", fieldset);
      error.appendChild(bilingualItem("error", fieldset.getAttribute("data-missing-vi"), fieldset.getAttribute("data-missing-en")));
    });
    // a portrait that failed a check is taken only with the officer's reason for accepting it
    var override = $("#cap-override");
    var unexplained = override && !override.disabled && !override.value.trim();
    if (unexplained) {
      $("#err-override").appendChild(bilingualItem("error", override.getAttribute("data-needed-vi"), override.getAttribute("data-needed-en")));
    }
    if (missing.length || unexplained) {
      event.preventDefault();
      event.stopImmediatePropagation();
      (unexplained ? override : $("input[type=file]", missing[0])).focus();
    }
  }, true);

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // a refusal (422) carries the messages to show; a failed correction carries its form again
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr && event.detail.xhr.status === 422 && source && source.id === "capture-form") {
      setTimeout(focusFirstError, 0); // after htmx gives the submit button back (hx-disabled-elt)
      return;
    }
    if (!target || target.id !== "citizen") {
      if (target && target.id === "cap-data") {
        var field = $("#cap-data .invalid input, #cap-data .invalid select");
        if (field) field.focus(); else if ($("#cap-shoot")) $("#cap-shoot").focus();
      }
      return;
    }
    $("#cap-results").replaceChildren();
    if ($("#cap-done")) {
      stopCamera();
      $("#cap-print-cc01").focus();
      return;
    }
    startCamera();
    var first = $("#cap-shoot") || $("#cap-next");
    if (first) first.focus();
    if (first) first.scrollIntoView({ block: "center" });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && $("#capture-form")) {
      event.preventDefault();
      $("#capture-form").requestSubmit();
    } else if (event.key === "Escape" && $("#cap-done")) {
      event.preventDefault();
      $("#cap-next").click();
    } else if (event.key === "F2") {
      event.preventDefault();
      query.focus();
      query.select();
    }
  });
  window.addEventListener("pagehide", stopCamera);

  // a page served with a citizen already open (no htmx, or ?id=): start as if it had been swapped in
  if ($("#capture-form")) {
    startCamera();
    if (!$("#capture-form .cap-err .error")) $("#cap-shoot").focus(); else focusFirstError();
  } else if ($("#cap-done")) {
    $("#cap-print-cc01").focus();
  }
})();
