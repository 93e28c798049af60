import { Injectable } from '@nestjs/common';
import { PrismaClient } from '../../generated/prisma/client';
import type { ChangeTicket } from '../change-ticket';

export interface LocalTicketInput {
  state: string;
  approval: string;
  plannedStart: Date;
  plannedEnd: Date;
  affectedCis: string[];
  shortDescription?: string;
}

/** The only code that touches the local_change_tickets table. */
@Injectable()
export class LocalTicketRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(number: string): Promise<ChangeTicket | null> {
    const row = await this.prisma.localChangeTicket.findUnique({ where: { number } });
    if (!row) return null;
    return {
      number: row.number,
      source: 'local',
      state: row.state,
      approval: row.approval,
      plannedStart: row.plannedStart,
      plannedEnd: row.plannedEnd,
      affectedCis: row.affectedCis,
      shortDescription: row.shortDescription ?? undefined,
    };
  }

  async save(number: string, input: LocalTicketInput): Promise<ChangeTicket> {
    const data = { ...input, shortDescription: input.shortDescription ?? null };
    await this.prisma.localChangeTicket.upsert({ where: { number }, create: { number, ...data }, update: data });
    return (await this.find(number))!;
  }
}
