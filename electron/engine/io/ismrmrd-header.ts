/**
 * The few fields of an ISMRMRD XML header (the `ismrmrd_header` dataset of a
 * fastMRI file) that reading k-space needs: encoded and recon matrix sizes and
 * fields of view. ISMRMRD's x is the readout, y the phase encode, z the
 * partition/slice direction.
 *
 * No XML library: the schema is flat and well known, Node has no DOMParser,
 * and we only need the first <encoding>. Elements are found by name inside
 * their parent's text, so namespaces and attribute order do not matter; a
 * field that is missing or not a positive number is simply absent.
 */

export interface Xyz {
  x: number;
  y: number;
  z: number;
}

export interface IsmrmrdEncoding {
  encodedMatrix?: Xyz;
  encodedFovMm?: Xyz;
  reconMatrix?: Xyz;
  reconFovMm?: Xyz;
  /** Other scalar fields worth showing (field strength, TR, TE, protocol). */
  extra: Record<string, string | number>;
}

/**
 * Inner text of the first <name ...>...</name> in xml, or undefined. indexOf
 * rather than a regex so a hostile header cannot make the search quadratic.
 * (ISMRMRD uses a default namespace, so elements carry no prefix.)
 */
function element(xml: string, name: string): string | undefined {
  let from = 0;
  for (;;) {
    const at = xml.indexOf(`<${name}`, from);
    if (at < 0) return undefined;
    const next = xml[at + name.length + 1];
    if (next === '>' || next === ' ' || next === '\t' || next === '\n' || next === '\r') {
      const open = xml.indexOf('>', at);
      if (open < 0) return undefined;
      const close = xml.indexOf(`</${name}>`, open);
      return close < 0 ? undefined : xml.slice(open + 1, close);
    }
    from = at + 1;
  }
}

function positive(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text.trim());
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function xyz(block: string | undefined): Xyz | undefined {
  if (block === undefined) return undefined;
  const x = positive(element(block, 'x'));
  const y = positive(element(block, 'y'));
  const z = positive(element(block, 'z')) ?? 1;
  return x !== undefined && y !== undefined ? { x, y, z } : undefined;
}

export function parseIsmrmrdHeader(xml: string): IsmrmrdEncoding {
  // fastMRI headers are ~10 kB; anything past 1 MB is not a header we need.
  const text = xml.length > 1_000_000 ? xml.slice(0, 1_000_000) : xml;
  const enc = element(text, 'encoding') ?? '';
  const encoded = element(enc, 'encodedSpace');
  const recon = element(enc, 'reconSpace');
  const out: IsmrmrdEncoding = { extra: {} };
  const em = xyz(encoded === undefined ? undefined : element(encoded, 'matrixSize'));
  const ef = xyz(encoded === undefined ? undefined : element(encoded, 'fieldOfView_mm'));
  const rm = xyz(recon === undefined ? undefined : element(recon, 'matrixSize'));
  const rf = xyz(recon === undefined ? undefined : element(recon, 'fieldOfView_mm'));
  if (em) out.encodedMatrix = em;
  if (ef) out.encodedFovMm = ef;
  if (rm) out.reconMatrix = rm;
  if (rf) out.reconFovMm = rf;
  const field = positive(element(text, 'systemFieldStrength_T'));
  if (field !== undefined) out.extra.fieldStrengthT = field;
  const tr = positive(element(element(text, 'sequenceParameters') ?? '', 'TR'));
  if (tr !== undefined) out.extra.trMs = tr;
  const te = positive(element(element(text, 'sequenceParameters') ?? '', 'TE'));
  if (te !== undefined) out.extra.teMs = te;
  const model = element(text, 'systemModel')?.trim();
  if (model) out.extra.systemModel = model.slice(0, 64);
  return out;
}
