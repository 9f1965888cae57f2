// Passkeys (WebAuthn) on the staff login and passkey pages: progressive enhancement only.
// Without JavaScript the buttons stay hidden and the 6-digit code works as before.
"use strict";

(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBytes(b64url) {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function toB64url(buffer) {
    let text = "";
    new Uint8Array(buffer).forEach((byte) => {
      text += String.fromCharCode(byte);
    });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function postJSON(url, form, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
      },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json();
    if (!response.ok) {
      throw new Error(data.detail || String(response.status));
    }
    return data;
  }

  function show(message) {
    const status = document.getElementById("passkey-status");
    if (status) {
      status.textContent = message;
    }
  }

  async function logIn(form) {
    const options = await postJSON(form.dataset.passkeyOptions, form);
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach((c) => {
      c.id = toBytes(c.id);
    });
    const credential = await navigator.credentials.get({ publicKey: options });
    const response = credential.response;
    form.elements.passkey.value = JSON.stringify({
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        authenticatorData: toB64url(response.authenticatorData),
        signature: toB64url(response.signature),
        userHandle: response.userHandle ? toB64url(response.userHandle) : null,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    });
    form.submit();
  }

  async function add(form) {
    const options = await postJSON(form.dataset.options, form);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach((c) => {
      c.id = toBytes(c.id);
    });
    const credential = await navigator.credentials.create({ publicKey: options });
    const response = credential.response;
    const result = await postJSON(form.dataset.add, form, {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        attestationObject: toB64url(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    });
    window.location.assign(result.redirect);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const loginForm = document.getElementById("login-form");
    const loginButton = document.getElementById("passkey-login");
    if (loginForm && loginButton) {
      loginButton.hidden = false;
      loginButton.addEventListener("click", () => {
        const { username, password } = loginForm.elements;
        if (!username.reportValidity() || !password.reportValidity()) {
          return;
        }
        loginButton.disabled = true;
        logIn(loginForm).catch((error) => {
          loginButton.disabled = false;
          show(error.message);
        });
      });
    }
    const addForm = document.getElementById("passkey-add-form");
    const addButton = document.getElementById("passkey-add");
    if (addForm && addButton) {
      addButton.hidden = false;
      show("");
      addButton.addEventListener("click", () => {
        addButton.disabled = true;
        add(addForm).catch((error) => {
          addButton.disabled = false;
          show(error.message);
        });
      });
    }
  });
})();
