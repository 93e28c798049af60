import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { principalKey, type Principal } from '../../auth/principal';
import { Prisma, PrismaClient, type LocalChangeTicket as LocalTicketRow } from '../../generated/prisma/client';
import type { ChangeTicket } from '../change-ticket';

export interface LocalTicketInput {
  state: string;
  approval: string;
  plannedStart: Date;
  plannedEnd: Date;
  affectedCis: string[];
  shortDescription?: string;
}

export interface TicketWriter {
  principal: Principal;
  correlationId: string;
}

/** The only code that touches the local_change_tickets table and its change log. */
@Injectable()
export class LocalTicketRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(number: string): Promise<ChangeTicket | null> {
    const row = await this.prisma.localChangeTicket.findUnique({ where: { number } });
    return row && toTicket(row);
  }

  /** The work notes written on the ticket, one per forwarded attempt checked against it, oldest first. */
  async notesOf(number: string): Promise<{ attemptId: string; writtenAt: Date; body: string }[]> {
    return this.prisma.localChangeTicketNote.findMany({
      where: { number },
      orderBy: { writtenAt: 'asc' },
      select: { attemptId: true, writtenAt: true, body: true },
    });
  }

  /** Creates or replaces the ticket and records who wrote it, before and after, in one transaction. */
  async save(number: string, input: LocalTicketInput, writer: TicketWriter): Promise<ChangeTicket> {
    const { principal } = writer;
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.localChangeTicket.findUnique({ where: { number } });
      const writtenBy = [...new Set([...(before?.writtenBy ?? []), principalKey(principal)])];
      const data = { ...input, shortDescription: input.shortDescription ?? null, writtenBy };
      const after = await tx.localChangeTicket.upsert({ where: { number }, create: { number, ...data }, update: data });
      await tx.localChangeTicketChange.create({
        data: {
          id: randomUUID(),
          number,
          actorOid: principal.oid,
          actorTenantId: principal.tenantId,
          actorUpn: principal.upn ?? null,
          actorAppId: principal.appId ?? null,
          correlationId: writer.correlationId,
          before: before ? asJson(toTicket(before)) : Prisma.DbNull,
          after: asJson(toTicket(after)),
        },
      });
      return toTicket(after);
    });
  }
}

function toTicket(row: LocalTicketRow): ChangeTicket {
  return {
    number: row.number,
    source: 'local',
    state: row.state,
    approval: row.approval,
    plannedStart: row.plannedStart,
    plannedEnd: row.plannedEnd,
    affectedCis: row.affectedCis,
    shortDescription: row.shortDescription ?? undefined,
    writtenBy: row.writtenBy,
  };
}

function asJson(ticket: ChangeTicket): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(ticket)) as Prisma.InputJsonObject;
}
