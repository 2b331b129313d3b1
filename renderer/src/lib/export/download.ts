/** Hands bytes to the browser as a download (an anchor with a blob URL, revoked once used). */
export function downloadBytes(bytes: ArrayBuffer, name: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Some browsers read the URL after click() returns: revoke on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
