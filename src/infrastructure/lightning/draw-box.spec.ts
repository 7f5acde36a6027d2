import { drawBox } from './draw-box';

describe('drawBox', () => {
  it('pads every line to the longest, so both edges line up', () => {
    const box = drawBox(['SANDBOX MODE', 'Simulated LNbits wallet: http://127.0.0.1:40123']);
    expect(box).toEqual([
      '*'.repeat(53),
      '*  SANDBOX MODE                                     *',
      '*  Simulated LNbits wallet: http://127.0.0.1:40123  *',
      '*'.repeat(53),
    ]);
    expect(new Set(box.map((line) => line.length)).size).toBe(1);
  });
});
