import type { FrameView } from './frame-view.js';

/** The report as data: the HTML and Markdown renderers and the tests read the same model. */
export type SectionId = '1' | '2.1' | '2.2' | '2.3' | '2.4' | '2.5' | '2.6' | '2.7' | '3';

export interface Table {
  caption: string;
  head: string[];
  rows: string[][];
}

export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; table: Table }
  | { kind: 'figure'; caption: string; svg: string }
  | { kind: 'code'; caption: string; file: string; startLine: number; text: string }
  | { kind: 'frame'; caption: string; view: FrameView }
  | { kind: 'side-by-side'; caption: string; left: Table; right: Table }
  /** A box left for the authors: what the section asks them to write. */
  | { kind: 'authors'; text: string }
  /** Evidence that the folder lacks, with the one command that makes it. */
  | { kind: 'missing'; what: string; command: string };

export interface ChecklistItem {
  section: SectionId;
  what: string;
  present: boolean;
  /** The command that makes it, when it is missing. */
  command?: string;
}

export interface ReportSection {
  id: SectionId;
  title: string;
  blocks: Block[];
}

export interface Report {
  title: string;
  lang: 'en' | 'pt';
  /** The evidence folder, as given. */
  folder: string;
  generatedAt: string;
  checklist: ChecklistItem[];
  sections: ReportSection[];
}
