// Who acts: an officer of one office (../shared/domain.md, "Who uses it"), as a verified token names them.
export type Role = 'officer' | 'supervisor' | 'admin'
export const ROLES: readonly Role[] = ['officer', 'supervisor', 'admin']

export interface Actor {
  officerId: string
  name: string
  office: string
  role: Role
}
