// The parts of pdfmake 0.3 that src/services/pdf-renderer.ts uses (the package ships no types).
declare module 'pdfmake/js/Printer.js' {
  interface FileSystem {
    existsSync(name: string): boolean
    readFileSync(name: string): Buffer
  }
  interface Resolver {
    resolve(url: string, headers?: Record<string, string>): Promise<void>
    resolved(): Promise<unknown>
  }
  class PdfPrinter {
    constructor(fonts: Record<string, Record<string, string>>, vfs: FileSystem, resolver: Resolver, localAccessPolicy: (path: string) => boolean)
    createPdfKitDocument(definition: object, options?: object): Promise<NodeJS.ReadableStream & { end(): void }>
  }
  const module: { default: typeof PdfPrinter }
  export default module
}
