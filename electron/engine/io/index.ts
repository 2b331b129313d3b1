/**
 * Readers. Parsers are pure (bytes, name) => Volume; load.ts is the only file
 * that touches the disk. Import the parsers directly where node:* is unwelcome.
 */
export { ReaderError, MAX_VOXELS } from './errors';
export { readNifti, looksLikeNifti, type NiftiOptions } from './nifti';
export {
  readDicom,
  readDicomSeries,
  isDicom,
  loadDicomCodecs,
  looksLikeDicom,
  listDicomSeriesFromFiles,
  type DicomFile,
  type SeriesSummary,
  type SeriesListing,
  type NonImageObject,
  type DicomReadOptions,
} from './dicom';
export { listDicomSeries } from './dicom-scan';
export {
  readCfl,
  parseCflHeader,
  writeCflBytes,
  bartToKSpace,
  kspaceToBart,
  bartToImage,
  imageToBart,
  cflToVolume,
  defaultCflKind,
  type CflArray,
  type CflKind,
} from './cfl';
export { loadVolume, type LoadOptions } from './load';
export { readFastMri, openFastMri, type FastMriHandle, type FastMriInfo } from './hdf5';
