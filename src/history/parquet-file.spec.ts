import { encodeArchiveFile } from '../archive/parquet-codec';
import { ChatMessage } from '../common/chat-message';
import { readFooter, timestampStatistics } from './parquet-file';

function message(ts: number, seq = 0): ChatMessage {
  return { id: `${ts}-${seq}`, room: '#ubuntu-meeting', user: 'u', text: 't', ts };
}

async function tsStatistics(messages: ChatMessage[]) {
  const file = await encodeArchiveFile(messages);
  const footer = await readFooter(async (start, end) => file.subarray(start, end), file.length);
  const group = footer.rowGroups[0];
  return timestampStatistics(group.chunks.get('ts')!, footer.columns.get('ts')!);
}

describe(timestampStatistics.name, () => {
  it('reads statistics whose eight bytes happen to be valid UTF-8', async () => {
    // 2010-11-09T19:26:00Z is 40 19 1a 32 2c 01 00 00 little-endian: all ASCII bytes.
    const last = Date.UTC(2010, 10, 9, 19, 26);
    const first = Date.UTC(2010, 10, 9, 0, 0);

    expect(await tsStatistics([message(first), message(last)])).toEqual({
      min: first,
      max: last,
    });
  });

  it('reads statistics whose bytes are not valid UTF-8', async () => {
    const first = Date.UTC(2024, 11, 2, 23, 59, 57);
    const last = first + 999;

    expect(await tsStatistics([message(first), message(last)])).toEqual({
      min: first,
      max: last,
    });
  });
});
