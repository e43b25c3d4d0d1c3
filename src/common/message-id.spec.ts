import { compareMessageIds, isMessageId, messageIdTime } from './message-id';

describe(compareMessageIds.name, () => {
  it('orders by millisecond first, then by sequence as numbers', () => {
    const ids = ['10-2', '9-100', '10-10', '10-0', '100-0'];
    expect([...ids].sort(compareMessageIds)).toEqual(['9-100', '10-0', '10-2', '10-10', '100-0']);
  });

  it('finds equal ids equal', () => {
    expect(compareMessageIds('1733230000000-5', '1733230000000-5')).toBe(0);
  });
});

describe(isMessageId.name, () => {
  it.each(['0-0', '1733230000000-0', '1733230000000-18446744073709551615'])('accepts %s', (id) =>
    expect(isMessageId(id)).toBe(true),
  );

  it.each([
    '',
    '1733230000000',
    '-1-0',
    '1-x',
    'yesterday',
    '1-2-3',
    ' 1-0',
    '1-18446744073709551616',
    '1-99999999999999999999',
  ])('refuses %j', (id) => expect(isMessageId(id)).toBe(false));
});

describe(messageIdTime.name, () => {
  it('is the millisecond part', () => {
    expect(new Date(messageIdTime('1733230000123-7')).toISOString()).toBe(
      '2024-12-03T12:46:40.123Z',
    );
  });
});
