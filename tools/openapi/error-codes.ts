// The error codes each API route can answer, read from the code (issue 19: "every error code" in the OpenAPI
// document). The route table is read from server/app.ts the way hono builds it (`.route(prefix, router)` and
// `.get(path, ...handlers)` chains), and from each route's handlers every function they call is followed, in the
// server and shared code, to the `new XxxError(...)` of the AppError family they construct; the status and code
// of each come from the constructor's arguments, or its defaults, through the subclasses' `super(...)` calls, as
// TypeScript types them (a literal, or a union of literals). A code the checker cannot read as a literal (a plain
// `string`) makes that status "open": the document then says so instead of listing a closed set.
// Written with the response types by `npm run openapi:generate` (server/openapi/errors.generated.json).
import path from 'node:path'
import ts from 'typescript'
import type { ErrorCodes } from '../../server/openapi/document'
import { ROOT } from './response-types'

/** `"POST /api/x"` -> status -> the codes it can answer (sorted), and `"*"` when some code is not a literal. */
export type { ErrorCodes }

/** An error a piece of code can construct: its status and codes (null: a code the types do not name). */
interface Found { status: number; codes: string[] | null }

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete'])
const APP_FILE = path.join(ROOT, 'server/app.ts')
const OWN = [path.join(ROOT, 'server') + path.sep, path.join(ROOT, 'shared') + path.sep]

function isOwn(file: string): boolean {
  const f = path.resolve(file)
  return OWN.some((dir) => f.startsWith(dir)) && !/\.test\.ts$/.test(f) && !f.includes(`${path.sep}node_modules${path.sep}`)
}

/** hono's path joining: `/api` + `/` is `/api`, `/` + `/x` is `/x`. */
function joinPath(prefix: string, sub: string): string {
  const joined = `${prefix.replace(/\/$/, '')}/${sub.replace(/^\//, '')}`
  return joined.length > 1 ? joined.replace(/\/$/, '') : '/'
}

interface StaticRoute { method: string; path: string; handlers: ts.Expression[] }

class Reader {
  private readonly memo = new Map<ts.Node, Found[]>()
  private readonly busy = new Set<ts.Node>()
  constructor(private readonly checker: ts.TypeChecker) {}

  private declarationOf(node: ts.Node): ts.Declaration | undefined {
    let symbol = this.checker.getSymbolAtLocation(node)
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol)
    return symbol?.valueDeclaration ?? symbol?.declarations?.[0]
  }

  // ------------------------------------------------------------------ the route table

  /** The routes an expression that is a hono app adds, under `prefix`. */
  routesOf(expr: ts.Expression, prefix: string, out: StaticRoute[], seen = new Set<ts.Node>()): void {
    if (seen.has(expr)) return
    seen.add(expr)
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr)) return this.routesOf(expr.expression, prefix, out, seen)
    if (ts.isCallExpression(expr)) {
      const callee = expr.expression
      if (ts.isPropertyAccessExpression(callee)) {
        const name = callee.name.text
        const first = expr.arguments[0]
        const literal = first && ts.isStringLiteralLike(first) ? first.text : null
        if ((METHODS.has(name) || name === 'route') && literal !== null) {
          this.routesOf(callee.expression, prefix, out, seen)
          if (name === 'route') {
            const router = expr.arguments[1]
            if (router) this.routesOf(router, joinPath(prefix, literal), out, seen)
          } else {
            out.push({ method: name.toUpperCase(), path: joinPath(prefix, literal), handlers: [...expr.arguments.slice(1)] })
          }
          return
        }
        if (['use', 'onError', 'notFound'].includes(name)) return this.routesOf(callee.expression, prefix, out, seen)
      }
      // A function that returns a router (`authRoutes(limiter)`): the routers it returns.
      const declaration = this.checker.getResolvedSignature(expr)?.declaration
      if (declaration && isFunctionLike(declaration) && declaration.body && isOwn(declaration.getSourceFile().fileName)) {
        for (const returned of returnsOf(declaration)) this.routesOf(returned, prefix, out, seen)
      }
      return
    }
    if (ts.isIdentifier(expr)) {
      const declaration = this.declarationOf(expr)
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) {
        this.routesOf(declaration.initializer, prefix, out, seen)
      }
    }
  }

  // ------------------------------------------------------------------ the errors a piece of code constructs

  /** Every AppError the code under `node` constructs, following the calls it makes into the server's own code. */
  errorsOf(node: ts.Node): Found[] {
    const cached = this.memo.get(node)
    if (cached) return cached
    if (this.busy.has(node)) return []
    this.busy.add(node)
    const found: Found[] = []
    const visit = (n: ts.Node) => {
      if (ts.isNewExpression(n)) {
        const error = this.constructed(n)
        if (error) found.push(...error)
      }
      if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isDecorator(n)) {
        const declaration = this.checker.getResolvedSignature(n as ts.CallLikeExpression)?.declaration
        if (declaration && !ts.isJSDocSignature(declaration)) found.push(...this.errorsOfDeclaration(declaration))
      } else if (ts.isIdentifier(n) && !(n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        // A function passed by name (`rows.map(present)`, a middleware in a handler list).
        const declaration = this.declarationOf(n)
        if (declaration && declaration !== n.parent) found.push(...this.errorsOfDeclaration(declaration))
      }
      ts.forEachChild(n, visit)
    }
    visit(node)
    this.busy.delete(node)
    const unique = dedupe(found)
    this.memo.set(node, unique)
    return unique
  }

  private errorsOfDeclaration(declaration: ts.Declaration): Found[] {
    if (!isOwn(declaration.getSourceFile().fileName)) return []
    if (isFunctionLike(declaration) && declaration.body) return this.errorsOf(declaration.body)
    // A function value (`const present = (row) => ...`), or one a factory made (`const sameOrigin = sameOriginOnly()`:
    // the factory's body, which holds the function it returns).
    if (ts.isVariableDeclaration(declaration) && declaration.initializer
      && (isFunctionLike(declaration.initializer) || ts.isCallExpression(declaration.initializer))) {
      return this.errorsOf(declaration.initializer)
    }
    return []
  }

  /** The status and codes of `new X(...)` when X is an AppError. */
  private constructed(n: ts.NewExpression): Found[] | null {
    const declaration = this.declarationOf(n.expression)
    if (!declaration || !ts.isClassDeclaration(declaration)) return null
    return this.construct(declaration, [...(n.arguments ?? [])])
  }

  /** What `new cls(...args)` builds, if cls is AppError or one of its subclasses. */
  private construct(cls: ts.ClassDeclaration, args: (ts.Expression | undefined)[]): Found[] | null {
    if (cls.name?.text === 'AppError' && path.resolve(cls.getSourceFile().fileName) === path.join(ROOT, 'server/errors.ts')) {
      const statuses = args[0] ? this.literals(args[0], ts.TypeFlags.NumberLiteral) : null
      if (!statuses) return null
      const codes = args[1] ? this.literals(args[1], ts.TypeFlags.StringLiteral) : null
      return statuses.map((status) => ({ status: Number(status), codes: codes as string[] | null }))
    }
    const base = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]
    if (!base) return null
    const baseDeclaration = this.declarationOf(base.expression)
    if (!baseDeclaration || !ts.isClassDeclaration(baseDeclaration)) return null
    const constructor = cls.members.find(ts.isConstructorDeclaration)
    if (!constructor?.body) return this.construct(baseDeclaration, args) // no constructor of its own: the base's
    const superCall = findSuperCall(constructor.body)
    if (!superCall) return null
    // Each argument of super(...): a parameter of this constructor (what the caller passed, or its default), or an
    // expression of its own.
    const mapped = superCall.arguments.map((arg) => {
      if (ts.isIdentifier(arg)) {
        const index = constructor.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === arg.text)
        if (index >= 0) return args[index] ?? constructor.parameters[index]!.initializer
      }
      return arg
    })
    return this.construct(baseDeclaration, mapped)
  }

  /** The literal values an expression's type allows (`'A' | 'B'`), or null when it is not a union of literals. */
  private literals(expr: ts.Expression, flag: ts.TypeFlags): (string | number)[] | null {
    const type = this.checker.getTypeAtLocation(expr)
    // `undefined` takes the parameter's default, which a `code = 'X'` parameter declares: not a code of its own.
    const parts = (type.isUnion() ? type.types : [type]).filter((p) => !(p.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)))
    if (parts.length === 0 || !parts.every((p) => p.flags & flag)) return null
    return parts.map((p) => (p as ts.LiteralType).value as string | number)
  }
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node)
    || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node)
}

function returnsOf(fn: ts.FunctionLikeDeclaration): ts.Expression[] {
  if (!fn.body) return []
  if (!ts.isBlock(fn.body)) return [fn.body]
  const out: ts.Expression[] = []
  const visit = (n: ts.Node) => {
    if (isFunctionLike(n)) return
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression)
    ts.forEachChild(n, visit)
  }
  ts.forEachChild(fn.body, visit)
  return out
}

function findSuperCall(body: ts.Block): ts.CallExpression | null {
  let found: ts.CallExpression | null = null
  const visit = (n: ts.Node) => {
    if (found) return
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword) found = n
    else ts.forEachChild(n, visit)
  }
  visit(body)
  return found
}

function dedupe(found: Found[]): Found[] {
  return [...new Map(found.map((f) => [`${f.status}:${f.codes?.join(',') ?? '*'}`, f])).values()]
}

function byStatus(found: Found[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {}
  for (const f of found) {
    const set = (out[String(f.status)] ??= new Set())
    for (const code of f.codes ?? ['*']) set.add(code)
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)).map(([status, codes]) => [status, [...codes].sort()]))
}

/** The routes server/app.ts's createApp builds, and the errors each can answer (its handlers and the app's own middleware). */
export function extractErrorCodes(program: ts.Program): ErrorCodes {
  const checker = program.getTypeChecker()
  const reader = new Reader(checker)
  const app = program.getSourceFile(APP_FILE)
  if (!app) throw new Error('server/app.ts is not in the program')
  const createApp = app.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === 'createApp')
  if (!createApp?.body) throw new Error('createApp not found in server/app.ts')
  const routes: StaticRoute[] = []
  const everywhere: Found[] = []
  for (const statement of createApp.body.statements) {
    const expressions = ts.isExpressionStatement(statement)
      ? [statement.expression]
      : ts.isVariableStatement(statement) ? statement.declarationList.declarations.map((d) => d.initializer).filter((e): e is ts.Expression => !!e) : []
    for (const expr of expressions) {
      if (!ts.isCallExpression(expr) || !ts.isPropertyAccessExpression(expr.expression)) continue
      const receiver = expr.expression.expression
      if (!ts.isIdentifier(receiver) || receiver.text !== 'app') continue
      const name = expr.expression.name.text
      const first = expr.arguments[0]
      const where = first && ts.isStringLiteralLike(first) ? first.text : null
      // The app's own middleware on every API route: what it refuses, any route can answer.
      if (name === 'use' && (where === '*' || where === '/api/*')) {
        for (const handler of expr.arguments.slice(1)) everywhere.push(...reader.errorsOf(handler))
      }
      if (name === 'route') reader.routesOf(expr, '', routes)
    }
  }
  // A method and path registered more than once (handlers split over routers) answer what any of them can.
  const found = new Map<string, Found[]>(routes.filter((r) => r.path.startsWith('/api/')).map((r) => [`${r.method} ${r.path}`, [...everywhere]]))
  for (const route of routes) found.get(`${route.method} ${route.path}`)?.push(...route.handlers.flatMap((h) => reader.errorsOf(h)))
  return Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => [key, byStatus(list)]))
}
