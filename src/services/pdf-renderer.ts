// Turns a pdfmake document definition into PDF bytes. pdfmake (on PDFKit) lays out tables, columns,
// page breaks and QR codes from a declarative definition, which keeps each form a readable list of
// its parts; DejaVu (npm package dejavu-fonts-ttf, pinned in the lockfile) covers every Vietnamese
// letter with its tone marks, which PDF's standard 14 fonts do not. The fonts are read once and
// served from memory; pdfmake may open no file and fetch no URL.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import printerModule from 'pdfmake/js/Printer.js'

const PdfPrinter = printerModule.default

const FONT_FILES = {
  normal: 'DejaVuSerif.ttf',
  bold: 'DejaVuSerif-Bold.ttf',
  italics: 'DejaVuSerif-Italic.ttf',
  bolditalics: 'DejaVuSerif-BoldItalic.ttf',
}
const PDF_FONT = 'DejaVuSerif'

let fontStore: Map<string, Buffer> | null = null

function fonts(): Map<string, Buffer> {
  if (fontStore) return fontStore
  const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
  fontStore = new Map(Object.values(FONT_FILES).map((file) => [file, readFileSync(join(fontDir, file))]))
  return fontStore
}

const refuse = () => false

export async function renderPdf(definition: object): Promise<Buffer> {
  const store = fonts()
  const memoryFs = {
    existsSync: (name: string) => store.has(name),
    readFileSync: (name: string) => {
      const font = store.get(name)
      if (!font) throw new Error(`pdf-renderer: no font ${name}`)
      return font
    },
  }
  const noNetwork = {
    resolve: async (url: string) => {
      if (!store.has(url)) throw new Error(`pdf-renderer: refusing to fetch ${url}`)
    },
    resolved: async () => undefined,
  }
  const printer = new PdfPrinter({ [PDF_FONT]: { ...FONT_FILES } }, memoryFs, noNetwork, refuse)
  const doc = await printer.createPdfKitDocument({ defaultStyle: { font: PDF_FONT, fontSize: 11 }, ...definition })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.end()
  return done
}
