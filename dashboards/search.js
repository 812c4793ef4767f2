// The enterprise table's search box: every word typed must appear in a row for the row to stay visible.
(function () {
  var box = document.getElementById('enterprise-search');
  if (!box) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll('#enterprise-table tbody tr'));
  var shown = document.getElementById('enterprise-count');
  function filter() {
    var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (tr) {
      var text = tr.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; });
      tr.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  box.addEventListener('input', filter);
  filter();
})();
