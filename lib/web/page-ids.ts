/** Element ids shared by the pages' HTML (rendered in node) and their browser code (web/). */
export const REPORT_DATA_ID = 'fanout-report';
export const REPORT_ROOT_ID = 'report';
export const UI_ROOT_ID = 'app';
