/** One check a real unassign would make, and how it went for this request. */
export interface PreviewCheck {
  check: 'policy.anyDevice' | 'device' | 'policy.device' | 'resourceAccount' | 'changeTicket';
  passed: boolean;
  /** The problem code (or ticket rejection code) the real call would answer with; NOT_CHECKED when a check it needs failed. */
  code: string | null;
  detail: string;
}

export const passed = (check: PreviewCheck['check'], detail: string): PreviewCheck => ({
  check,
  passed: true,
  code: null,
  detail,
});
export const failed = (check: PreviewCheck['check'], code: string, detail: string): PreviewCheck => ({
  check,
  passed: false,
  code,
  detail,
});
export const notChecked = (check: PreviewCheck['check'], needs: string): PreviewCheck => ({
  check,
  passed: false,
  code: 'NOT_CHECKED',
  detail: `Not checked: needs ${needs}.`,
});
