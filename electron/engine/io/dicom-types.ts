/** Shapes the series browser and the loader share (no code, so the renderer may import it). */

/** One series as the app's series browser lists it. */
export interface SeriesSummary {
  /** SeriesInstanceUID, with "#k" appended when the UID was split into several series. */
  id: string;
  seriesInstanceUID: string;
  description?: string;
  seriesNumber?: number;
  modality?: string;
  /** Size of one slice (a mosaic's tile). */
  rows: number;
  cols: number;
  /** Slices over all files and frames (mosaics expanded). */
  slices: number;
  /** 'axial' | 'coronal' | 'sagittal', 'oblique <nearest>', or 'unknown' without ImageOrientationPatient. */
  orientation: string;
  echo?: string;
  imageType?: string;
  transferSyntaxUID: string;
  /** Images at different orientations kept together (projections, radial MIPs): no common slice axis, no affine. */
  mixedOrientation?: boolean;
  files: string[];
  notes: string[];
}

/** A DICOM object that is not an image (SR, presentation state, RT plan, DICOMDIR...). */
export interface NonImageObject {
  file: string;
  sopClassUID?: string;
  /** Human-readable SOP class. */
  label: string;
}

export interface SeriesListing {
  series: SeriesSummary[];
  nonImages: NonImageObject[];
  /** One line per file that was not read (not DICOM, unreadable, unsupported). */
  skipped: string[];
}

export interface DicomReadOptions {
  /** Series id (SeriesSummary.id) or SeriesInstanceUID; default: the series with the most slices. */
  series?: string;
  /** For a 4D series (every position repeated T times): which time point (default 0). */
  volume?: number;
}
