// Who acts: an officer of one office (docs/api.md, "Authentication and offices"), as a verified token names them.
export type Role = 'officer' | 'supervisor' | 'admin'
export const ROLES: readonly Role[] = ['officer', 'supervisor', 'admin']

export interface Actor {
  officerId: string
  name: string
  office: string
  role: Role
}
