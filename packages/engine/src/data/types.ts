/** A document as it flows through the pipeline: its text, the source it came from, and where in which file. */
export interface Document {
  id: string;
  source: string;
  text: string;
  location: { file: string; line: number };
  /** Where the text was fetched from (JSONL `urlField`, WARC target URI), for URL filtering and per-domain counts. */
  url?: string;
}

/** A line a source could not read (invalid UTF-8, broken JSON, missing field): skipped, counted, located. */
export interface BadLine {
  source: string;
  file: string;
  line: number;
  reason: string;
}

/** What one cleaning stage decided for one document. */
export interface StageResult {
  /** Reason the document is dropped; it goes no further. */
  drop?: string;
  /** The document's new text, when the stage changed it. */
  text?: string;
  /** Reasons for each change made (counted per reason). */
  changes?: string[];
}

export interface Stage {
  name: string;
  apply(doc: Document): StageResult;
}
