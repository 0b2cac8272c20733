// Nothing typed is lost. A form with data-draft-key is saved to the server a moment after each
// change, and to this device's storage in case the connection or the session is gone. The
// "Unsaved work" banner offers back the server's draft, or failing that the device's copy.
const SAVE_DELAY_MS = 1500;

function formData(form) {
  const data = {};
  for (const [name, value] of new FormData(form)) {
    if (name === "csrfmiddlewaretoken") continue;
    (data[name] ??= []).push(String(value));
  }
  return data;
}

// Hidden fields are the page's own (the record's version, say), except those the form names in
// data-draft-keep: an edit restored with the version it was typed against is checked against
// a colleague's later save, not laid over it unseen.
function fill(form, data) {
  const keep = (form.dataset.draftKeep || "").split(" ");
  for (const element of form.elements) {
    if (!element.name || !(element.name in data)) continue;
    const values = data[element.name];
    if (element.type === "checkbox" || element.type === "radio") {
      element.checked = values.includes(element.value);
    } else if ((element.type !== "hidden" || keep.includes(element.name)) && element.type !== "submit") {
      element.value = values[0] ?? "";
    }
  }
}

function setUp(form) {
  const key = form.dataset.draftKey;
  const status = form.querySelector("[data-draft-status]");
  const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  // Per user, so a shared computer never offers one worker's note to another; and stamped
  // in the server's time, so a device clock that runs fast or slow cannot confuse the check.
  const storageKey = `dmt-draft:${form.dataset.user}:${key}`;
  const offset = Number(form.dataset.serverNow || Date.now()) - Date.now();
  const now = () => Date.now() + offset;
  const say = (text) => { if (status) status.textContent = text; };
  let timer = null;

  const keepOnDevice = () => localStorage.setItem(
    storageKey, JSON.stringify({ data: formData(form), at: now() }));

  async function save() {
    keepOnDevice();
    try {
      const response = await fetch(form.dataset.draftUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ key, data: formData(form) }),
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.ok) {
        say(`Draft saved at ${(await response.json()).saved_at}`);
      } else if (response.type === "opaqueredirect") {
        say("You have been signed out. Your text is kept on this device: sign in again in a new tab, then reopen this page.");
      } else {
        say("Draft not saved to the server. Your text is kept on this device.");
      }
    } catch {
      say("No connection. Your text is kept on this device and will be offered back.");
    }
  }

  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(save, SAVE_DELAY_MS); });
  // Keep a copy as it is sent: if the session has expired the server never sees it.
  form.addEventListener("submit", () => { clearTimeout(timer); keepOnDevice(); });

  const banner = document.querySelector("[data-draft-banner]");
  const serverDraft = document.getElementById("draft-data");
  const kept = JSON.parse(localStorage.getItem(storageKey) || "null");
  // The device's copy is stale once the server has recorded this form from this user after it.
  const lastSaved = Number(form.dataset.lastSaved || 0);
  let offered = serverDraft ? JSON.parse(serverDraft.textContent) : null;
  // Worth offering only if it holds some free text (not just a date or a choice).
  const textNames = (form.dataset.draftText || "").split(" ").filter(Boolean);
  const hasText = (data) => textNames.some((name) => data[name]?.some((value) => value.trim()));
  if (!offered && kept && kept.at > lastSaved && hasText(kept.data)) {
    offered = kept.data;
    banner.querySelector("[data-draft-when]").textContent =
      `This device kept unsaved text from ${new Date(kept.at - offset).toLocaleString("en-GB")}.`;
    banner.hidden = false;
  } else if (kept && kept.at <= lastSaved) {
    localStorage.removeItem(storageKey);
  }
  banner?.querySelector("[data-draft-restore]")?.addEventListener("click", () => {
    fill(form, offered);
    banner.remove();
    form.querySelector("textarea")?.focus();
  });
  banner?.querySelector("[data-draft-discard]")?.addEventListener("submit", () => localStorage.removeItem(storageKey));
}

document.querySelectorAll("form[data-draft-key]").forEach(setUp);

// Ctrl+Enter (or Cmd+Enter) saves from anywhere in a recording form, so a note can be typed
// and saved without reaching for the mouse or tabbing past every field.
document.querySelectorAll("form[data-save-shortcut]").forEach((form) => {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
});
