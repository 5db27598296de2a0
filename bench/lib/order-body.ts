// The "typical JSON API request" of the detection and validation benchmarks: an order of about 1 KB
// with the free text real clients send (apostrophes, parentheses, an ampersand, a non-ASCII letter),
// which the detectors must read through without a false positive. examples/bench-orders-openapi.yaml
// describes it.
export const orderBody = JSON.stringify({
  orderId: '3f2b9c1e-8d4a-4b7e-9f1a-2c6d8e0b5a71',
  createdAt: '2026-11-30T14:22:05Z',
  channel: 'web',
  customer: { id: 'cus_48213', name: 'Ada Lovelace', email: 'ada.lovelace@example.com', phone: '+44 20 7946 0958' },
  shipping: { line1: "12 St James's Square", line2: 'Flat 4', city: 'London', postcode: 'SW1Y 4JH', country: 'GB' },
  items: ['Analytical engine gear', 'Brass cog (small)', 'Punched card set', 'Difference table', 'Bernoulli notes', 'Ink & quill'].map((name, i) => ({
    sku: `SKU-${1000 + i}`, name, qty: i + 1, unitPrice: 12.5 + i,
  })),
  coupon: 'WINTER-10',
  giftMessage: "Happy birthday! Hope you enjoy the new set - see you on Friday at 7pm, we'll meet at the usual place (the café on Main St.).",
  note: 'Please leave the parcel with the concierge if nobody answers; call first.',
});
