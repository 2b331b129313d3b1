/** Grid shape for 1..6 viewports: as square as the wide workspace allows. */
export function gridShape(n: number): { cols: number; rows: number } {
  switch (Math.max(1, Math.min(6, Math.round(n)))) {
    case 1:
      return { cols: 1, rows: 1 };
    case 2:
      return { cols: 2, rows: 1 };
    case 3:
      return { cols: 3, rows: 1 };
    case 4:
      return { cols: 2, rows: 2 };
    default:
      return { cols: 3, rows: 2 };
  }
}
