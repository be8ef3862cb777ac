// "Download .env" on the secret page: the browser writes the file from the values already on the
// page, so nothing is sent to the server or kept there. Without JavaScript the control stays hidden;
// once secret-once.js has wiped the secret (the page was left), there is nothing left to download.
const download = document.querySelector("[data-download-env]");
if (download) {
  download.hidden = false;
  download.querySelector("button").addEventListener("click", () => {
    const secret = document.getElementById("client-secret").textContent.trim();
    if (!secret) return;
    const { name, account, tokenUrl, apiBase, filename } = download.dataset;
    const lines = [
      `# Credentials as a Service: credential ${name} of cloud account ${account}.`,
      "# This file holds a client secret: keep it out of version control.",
      `CAAS_CLIENT_ID=${document.getElementById("client-id").textContent.trim()}`,
      `CAAS_CLIENT_SECRET=${secret}`,
      `CAAS_TOKEN_URL=${tokenUrl}`,
      `CAAS_API_BASE=${apiBase}`,
    ];
    const url = URL.createObjectURL(new Blob([`${lines.join("\n")}\n`], { type: "text/plain" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}
