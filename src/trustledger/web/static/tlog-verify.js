// Checks in the browser, with nothing fetched, that an audit entry is in the signed transparency
// log: its bytes hash to an RFC 9162 leaf whose audit path leads to the root of a checkpoint that
// the log's Ed25519 key signed (C2SP signed note). Uses Web Crypto only (a secure context).
"use strict";
(() => {
  const text = new TextEncoder();
  const hex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const half = (n) => Math.floor(n / 2);

  async function sha256(...parts) {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  }
  const node = (left, right) => sha256(Uint8Array.of(1), left, right);

  // RFC 9162 2.1.3.2, step by step.
  async function included(leaf, index, size, path, root) {
    if (index >= size) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of path) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await node(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && same(r, root);
  }

  // The checkpoint a note carries if the key (name+keyid+base64(0x01 || key)) signed it.
  async function signedCheckpoint(note, keyText) {
    // A key name has no "+"; the base64 after the key ID may.
    const [name, keyId, ...rest] = keyText.split("+");
    const raw = b64(rest.join("+")), id = hex(keyId);
    if (raw.length !== 33 || raw[0] !== 1) return null;
    const cut = note.indexOf("\n\n");
    const body = note.slice(0, cut + 1);
    const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    for (const line of note.slice(cut + 2).split("\n")) {
      if (!line.startsWith(`\u2014 ${name} `)) continue;
      const sig = b64(line.slice(line.lastIndexOf(" ") + 1));
      if (!same(sig.slice(0, 4), id)) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), text.encode(body))) {
        const lines = body.split("\n");
        return { name, size: Number(lines[1]), root: b64(lines[2]) };
      }
    }
    return null;
  }

  // The page gives its words in its own language (data-* of #transparency-log); {name} is filled in.
  function words(key, values = {}) {
    const template = document.getElementById("transparency-log").dataset[key];
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function say(output, ok, message) {
    output.textContent = message;
    output.className = ok ? "verified" : "not-verified";
  }

  async function verify(item, output) {
    const log = document.getElementById("transparency-log");
    const cp = await signedCheckpoint(log.dataset.note, log.dataset.key);
    if (cp === null) return say(output, false, words("unsigned"));
    const entry = b64(item.dataset.entry);
    const leaf = await sha256(Uint8Array.of(0), entry);
    const path = item.dataset.path ? item.dataset.path.split(",").map(hex) : [];
    const index = Number(item.dataset.leaf);
    if (!(await included(leaf, index, cp.size, path, cp.root))) {
      return say(output, false, words("absent"));
    }
    const shown = JSON.parse(new TextDecoder().decode(entry).split("\n")[1]);
    say(output, true, words("verified", {
      index, size: cp.size, name: cp.name, actor: shown.actor, at: shown.at, purpose: item.dataset.purpose || shown.purpose,
    }));
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-verify]");
    if (!button) return;
    const item = button.closest("[data-leaf]");
    const output = item.querySelector("output");
    say(output, false, words("checking"));
    verify(item, output).catch((error) => say(output, false, words("error", { error: error.message })));
  });
})();
