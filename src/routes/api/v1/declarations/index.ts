// Placeholder until the resource's routes land.
import type { FastifyInstance } from 'fastify'

export default async function routes(_app: FastifyInstance) {}
