// In-page preview of a library resource with pdf.js: every page drawn on a canvas, nothing downloaded
// as a file. The PDF comes from the resource's preview URL, already stamped with the reader's name.
const box = document.getElementById("pdf-viewer");
if (box) {
  const pdfjs = await import(box.dataset.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.worker;
  try {
    const response = await fetch(box.dataset.src, { credentials: "same-origin" });
    if (!response.ok) {
      throw new Error(await response.text() || `HTTP ${response.status}`);
    }
    const data = new Uint8Array(await response.arrayBuffer());
    const pdf = await pdfjs.getDocument({ data, cMapUrl: box.dataset.cmaps, cMapPacked: true, isEvalSupported: false }).promise;
    box.textContent = "";
    const width = Math.min(box.clientWidth || 800, 1000);
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: width / base.width });
      const canvas = document.createElement("canvas");
      canvas.className = "pdf-page";
      canvas.dataset.page = String(n);
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      canvas.style.display = "block";
      canvas.style.margin = "0 auto 12px";
      canvas.style.boxShadow = "0 1px 4px rgba(0,0,0,.2)";
      box.appendChild(canvas);
      await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
    }
    box.dataset.pages = String(pdf.numPages);
    box.dataset.ready = "1";
  } catch (err) {
    box.innerHTML = "";
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = "预览失败：" + err.message;
    box.appendChild(p);
    box.dataset.ready = "error";
  }
}
