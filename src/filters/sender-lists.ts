import { refuseVerdict, scoreVerdict, type Filter } from './filter.js';

/**
 * The `[allow]` and `[block]` lists of the rules file, for inbound mail (outbound senders are our
 * own authenticated officials). Allowing trusts only what the sender cannot forge cheaply: the
 * envelope sender and the client IP; blocking also looks at the From: header, since refusing a
 * forged From: costs nothing.
 */
export function createSenderListFilter(): Filter {
  return {
    name: 'lists',
    async check(message, context, rules) {
      if (context.direction !== 'inbound') return { verdict: scoreVerdict([]) };
      const blocked =
        rules.block.match(context.mailFrom, context.remoteIp) ?? rules.block.match(message.facts.fromAddress, context.remoteIp);
      if (blocked !== null) {
        return {
          verdict: refuseVerdict(
            'reject',
            { id: 'block', score: 0, description: `blocked by local policy: ${blocked}` },
            { code: 550, enhanced: '5.7.1', text: 'Sender blocked by local policy' },
          ),
        };
      }
      const allowed = rules.allow.match(context.mailFrom, context.remoteIp);
      if (allowed !== null) {
        return { verdict: scoreVerdict([{ id: 'allow', score: 0, description: `allowed by local policy: ${allowed}` }]), final: true };
      }
      return { verdict: scoreVerdict([]) };
    },
  };
}
