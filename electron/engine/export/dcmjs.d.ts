/** dcmjs ships no types; only the part the DICOM writer uses is declared. */
declare module 'dcmjs' {
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(opts?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: {
        denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
        naturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
      };
      DicomMessage: { readFile(buf: ArrayBuffer): { dict: Record<string, unknown>; meta: Record<string, unknown> } };
    };
  };
  export default dcmjs;
}
