// Emits one real trace with the official AWS X-Ray SDK for Node.js (aws-xray-sdk-core) to the UDP
// "daemon" at AWS_XRAY_DAEMON_ADDRESS (a socket the test owns on 127.0.0.1), then prints the trace id.
// Streaming threshold 0: each closed subsegment is sent on its own, as in busy real services.
import AWSXRay from 'aws-xray-sdk-core'

AWSXRay.setLogger({error() {}, warn() {}, info() {}, debug() {}})
AWSXRay.setContextMissingStrategy('IGNORE_ERROR')
AWSXRay.setStreamingThreshold(0)

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const segment = new AWSXRay.Segment('e2e-orders-api')
segment.addAnnotation('tenant', 'acme\u001b]0;pwned\u0007')
segment.addMetadata('request', {path: '/orders/7'}, 'app')

const load = segment.addNewSubsegment('load-order')
load.addAnnotation('order_id', 7)
await sleep(15)
const query = load.addNewSubsegment('orders-db')
query.namespace = 'remote'
query.addSqlData({database_type: 'PostgreSQL', sanitized_query: 'SELECT * FROM orders WHERE id = $1'})
await sleep(10)
query.close()
load.close()

const charge = segment.addNewSubsegment('charge-card')
await sleep(5)
charge.addError(new Error('card declined'))
charge.close()

segment.close()
// UDP sends are asynchronous; give them a moment before exiting.
await sleep(100)
process.stdout.write(`${segment.trace_id}\n`)
