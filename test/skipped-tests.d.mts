export interface VitestJsonReport {
  testResults: { name: string; assertionResults: { status: string; title: string; ancestorTitles: string[] }[] }[];
}

export function skippedTestLines(report: VitestJsonReport, projectRoot: string): string[];
