/** A patient's sex as recorded: `F`, `M` or `X`. */
import * as t from 'io-ts';

export const Sex = t.keyof({ F: null, M: null, X: null }, 'Sex');
export type Sex = t.TypeOf<typeof Sex>;
