import { nodeVersionWarning } from '../../src/node-version';

test('Node 20 gets one line saying it is past end of life and what to install; 22 and 24 get none', () => {
  const warning = nodeVersionWarning('20.20.2');
  expect(warning).toMatch(/^warning: Node 20\.20\.2 is past end of life/);
  expect(warning).toContain('Node 24 LTS');
  expect(warning).toContain('scripts/install-node.sh');
  expect(nodeVersionWarning('22.0.0')).toBeUndefined();
  expect(nodeVersionWarning('24.22.3')).toBeUndefined();
});
