// While a report run is queued or running, ask the server how it is getting on every second,
// show it in the page's live region, and reload the page once the run has finished.
const region = document.querySelector("[data-status-url]");

if (region) {
  const url = region.dataset.statusUrl;
  const progress = region.querySelector("progress");
  const progressText = region.querySelector("[data-run-progress-text]");
  const statusText = region.querySelector("[data-run-status-text]");

  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      const run = await response.json();
      if (run.finished) {
        window.location.assign(run.url);
        return;
      }
      if (progress) progress.value = run.progress;
      if (progressText) progressText.textContent = `${run.progress}% done.`;
      if (statusText) statusText.textContent = run.status_text;
    } catch {
      // A missed answer is tried again on the next tick; the Refresh link still works.
    }
    window.setTimeout(poll, 1000);
  };

  window.setTimeout(poll, 1000);
}
