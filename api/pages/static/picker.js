// Enhances each person picker (a plain <select>, which works without this) with a
// search box: typing narrows the names listed; the select stays the field sent.
document.querySelectorAll("select.person-picker").forEach(function (select) {
  var search = document.createElement("input");
  search.type = "search";
  search.className = "picker-filter";
  search.id = select.id + "--search";
  search.setAttribute("aria-label", "Search names for: " + (select.labels[0] ? select.labels[0].textContent : "person"));
  search.setAttribute("aria-controls", select.id);
  search.placeholder = "Type a name to narrow the list";
  select.parentNode.insertBefore(search, select);
  search.addEventListener("input", function () {
    var words = search.value.toLowerCase().trim();
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var shown = !words || option.value === "" || option.text.toLowerCase().indexOf(words) >= 0;
      option.hidden = !shown;
      if (shown && option.value && first === null) { first = option; }
    });
    if (words && first && (select.selectedIndex < 1 || select.options[select.selectedIndex].hidden)) {
      first.selected = true;
    }
  });
});
