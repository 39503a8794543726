import type { Session } from '../session.js';
import type { CommandHandler, CommandRequest, Completion } from './handler.js';

/** RFC 3501 §6.3.6/§6.3.7: subscriptions are names and may outlive (or precede) the mailbox. */
async function setSubscribed(session: Session, { args }: CommandRequest, subscribed: boolean): Promise<Completion> {
  args.space();
  const name = args.mailbox();
  args.end();
  await session.ctx.store.setSubscribed(session.account, name, subscribed);
  return { text: `${subscribed ? 'SUBSCRIBE' : 'UNSUBSCRIBE'} completed` };
}

export const subscribe: CommandHandler = async (session, request) => await setSubscribed(session, request, true);
export const unsubscribe: CommandHandler = async (session, request) => await setSubscribed(session, request, false);
