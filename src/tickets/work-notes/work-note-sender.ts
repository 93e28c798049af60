import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SerialRuns } from '../../background/serial-runs';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import { ServiceNowWorkNotes } from '../servicenow/servicenow-work-notes';
import { WorkNoteRepository, type ClaimedNote } from './work-note.repository';

const BATCH = 20;
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Sends the outbox's work notes to ServiceNow, in every replica, each note by exactly one (a lease taken with SKIP
 * LOCKED). A failed note is retried with exponential back-off up to WORK_NOTES_MAX_TRIES, then marked failed; it never
 * changes its attempt's outcome. A note whose sender died mid-send is looked for on the change before it is sent again,
 * so a change never gets two notes for one attempt.
 */
@Injectable()
export class WorkNoteSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkNoteSender.name);
  private readonly logFailure = (error: unknown) => this.logger.error({ err: error }, 'work notes could not be sent');
  private readonly runs = new SerialRuns(() => this.sendRound(), this.logFailure);

  constructor(
    private readonly notes: WorkNoteRepository,
    private readonly serviceNow: ServiceNowWorkNotes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.runs.every(this.config.tickets.workNotes.intervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.runs.stop();
  }

  /** Sends what is due now, after the round under way here if any; the number of notes it handled. */
  sendDue(): Promise<number> {
    return this.runs.runNow().catch((error: unknown) => {
      this.logFailure(error);
      return 0;
    });
  }

  private async sendRound(): Promise<number> {
    const claimed = await this.notes.claimDue(BATCH, this.config.tickets.workNotes.leaseMs);
    for (const note of claimed) await this.send(note);
    return claimed.length;
  }

  private async send(note: ClaimedNote): Promise<void> {
    const settings = this.config.tickets.workNotes;
    try {
      if (!(note.reclaimed && (await this.serviceNow.contains(note.changeSysId, note.attemptId)))) {
        await this.serviceNow.add(note.changeSysId, note.body);
      }
      await this.notes.markSent(note.id);
    } catch (error) {
      const reason = (error as Error).message;
      if (note.tries >= settings.maxTries) {
        this.logger.warn({ attemptId: note.attemptId, tries: note.tries, reason }, 'work note failed for good');
        await this.notes.giveUp(note.id, reason);
      } else {
        const backoffMs = Math.min(MAX_BACKOFF_MS, settings.retryBaseMs * 2 ** (note.tries - 1));
        await this.notes.retryLater(note.id, reason, new Date(Date.now() + backoffMs));
      }
    }
  }
}
