import { isRoomName } from './room-name';

describe(isRoomName.name, () => {
  it.each(['#ubuntu', 'ubuntu-meeting', 'general', '#rust', 'a.b', 'Ünïcødé', '日本語', '&x+y_z'])(
    'accepts %s',
    (room) => expect(isRoomName(room)).toBe(true),
  );

  it.each([
    '',
    ' ',
    '..',
    '.',
    '../x',
    'a/b',
    'a\\b',
    '%2e%2e',
    'a b',
    'tab\there',
    'bell\u0007',
    '{tag}',
    'r'.repeat(65),
  ])('refuses %j', (room) => expect(isRoomName(room)).toBe(false));

  it('refuses what is not a string', () => {
    expect(isRoomName(['general'])).toBe(false);
    expect(isRoomName(42)).toBe(false);
  });
});
