// After a failed submit the page opens with an error summary above the form: move the focus to
// it so a screen reader reads it and a keyboard user starts from it, and let each of its links
// put the cursor in the field it names (a plain #anchor only scrolls there).
// On an account page, bring the current tab of the sideways-scrolling tab bar into view.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (field) {
        event.preventDefault();
        field.scrollIntoView({ block: "center" });
        field.focus();
      }
    });
  }
  const tab = document.querySelector(".account-tabs [aria-current='page']");
  if (tab) {
    const bar = tab.closest(".account-tabs");
    const barBox = bar.getBoundingClientRect();
    const tabBox = tab.getBoundingClientRect();
    bar.scrollLeft += tabBox.left - barBox.left - (barBox.width - tabBox.width) / 2;
  }
});
