// Reading a print back as a person reads the paper: the text of a PDF (pdftotext, poppler-utils),
// with line breaks and runs of spaces folded so a value wrapped in a table cell still matches.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { TestApp } from './helper.ts'

export const pdfText = (file: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })

/** Text with line breaks and runs of spaces folded, so a value wrapped in a table cell still matches. */
export const folded = (text: string) => text.replace(/\s+/g, ' ')

/** Follows a print link's PDF (no bearer header, as a browser opens it) and answers its folded text. */
export async function printedPdfText(t: Test, app: TestApp, pdfUrl: string): Promise<string> {
  const pdf = await app.app.inject({ url: pdfUrl.replace(/^https?:\/\/[^/]+/, '') })
  t.equal(pdf.statusCode, 200, 'the PDF opens from its link')
  const dir = mkdtempSync(join(tmpdir(), 'print-text-'))
  try {
    writeFileSync(join(dir, 'print.pdf'), pdf.rawPayload)
    return folded(pdfText(join(dir, 'print.pdf')))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
