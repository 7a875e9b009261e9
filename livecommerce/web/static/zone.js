// The reader's zone comes from their browser, not from their language: on the first
// page, tell the server this browser's zone (a cookie the locale middleware reads) and
// load the page again in it. Nothing happens when the reader chose a zone (?tz=), when
// the page is already in the browser's zone, or when the server did not take the zone
// it was told (no loop).
(function () {
  "use strict";
  var root = document.documentElement;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  // Zone names are letters, digits, "/", "_", "+" and "-": nothing to escape in a cookie.
  if (!zone || !/^[A-Za-z0-9_+\/-]{1,64}$/.test(zone)) {
    return;
  }
  if (root.hasAttribute("data-zone-chosen") || root.getAttribute("data-zone") === zone) {
    return;
  }
  var cookie = "browser_tz=" + zone;
  if (document.cookie.split("; ").indexOf(cookie) !== -1) {
    return;
  }
  document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax";
  if (document.cookie.split("; ").indexOf(cookie) !== -1) {
    window.location.reload();
  }
})();
